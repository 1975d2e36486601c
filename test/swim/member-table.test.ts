/** MemberTable's status state machine (LEGAL_STATUS_CHANGES) and live count. */
import { describe, expect, it } from 'vitest';
import { LEGAL_STATUS_CHANGES, MemberTable, isLegalStatusChange, type MemberRecord } from '../../src/core/swim/member-table.ts';
import type { MemberStatus } from '../../src/core/swim/messages.ts';
import { EMPTY_META } from '../../src/core/swim/meta.ts';
import { randomStream } from '../../src/host/random.ts';

const STATUSES: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left'];

function table(): MemberTable {
  return new MemberTable(randomStream(1, 'members'), 100, 60_000_000);
}

function member(node: string, status: MemberStatus): MemberRecord {
  return { node, inc: 1, status, meta: EMPTY_META, sinceUs: 0, suspicion: undefined, quiet: false };
}

describe('MemberTable.setStatus', () => {
  it('allows exactly the changes of LEGAL_STATUS_CHANGES and keeps the live count', () => {
    let legal = 0;
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const t = table();
        const m = member('a', from);
        t.add(m);
        const liveBefore = t.live;
        if (isLegalStatusChange(from, to)) {
          legal++;
          t.setStatus(m, to, 5);
          expect(m.status).toBe(to);
          expect(m.sinceUs).toBe(5);
          const delta = (to === 'alive' || to === 'suspect' ? 1 : 0) - (from === 'alive' || from === 'suspect' ? 1 : 0);
          expect(t.live).toBe(liveBefore + delta);
        } else {
          expect(() => t.setStatus(m, to, 5), `${from} -> ${to}`).toThrow(/may not go/);
          expect(m.status).toBe(from);
          expect(t.live).toBe(liveBefore);
        }
      }
    }
    expect(legal).toBe(Object.values(LEGAL_STATUS_CHANGES).flat().length);
  });

  it('refuses the changes SWIM rules out: no status to itself, dead never suspect, dead and left final until alive', () => {
    for (const s of STATUSES) expect(isLegalStatusChange(s, s)).toBe(false);
    expect(isLegalStatusChange('dead', 'suspect')).toBe(false);
    expect(isLegalStatusChange('left', 'suspect')).toBe(false);
    expect(isLegalStatusChange('dead', 'left')).toBe(false);
    expect(isLegalStatusChange('left', 'dead')).toBe(false);
    expect(isLegalStatusChange('suspect', 'alive')).toBe(true);
    expect(isLegalStatusChange('dead', 'alive')).toBe(true);
  });

  it('refuses a record that is not in the table and one whose suspicion still runs', () => {
    const t = table();
    expect(() => t.setStatus(member('stranger', 'alive'), 'suspect', 1)).toThrow(/not in the table/);
    const m = member('b', 'suspect');
    t.add(m);
    m.suspicion = { cancel() {} } as unknown as MemberRecord['suspicion'];
    expect(() => t.setStatus(m, 'dead', 1)).toThrow(/suspicion running/);
  });
});
