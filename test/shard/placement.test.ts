import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PlacementTable, membersOf, compareEpoch, lowestEntry, type GroupConfig } from '../../src/core/shard/index.ts';

describe('placement table', () => {
  it('first member is primary; others sync before they count; primary death promotes an in-sync standby', () => {
    const t = new PlacementTable(7);
    expect(t.alive('g', 'a')).toEqual([{ kind: 'primary', group: 'g', node: 'a', promoted: false }]);
    t.alive('g', 'b');
    t.alive('g', 'c');
    expect(t.config('g')).toMatchObject({ primary: 'a', standbys: [], syncing: ['b', 'c'] });
    // a syncing standby is not promotable: primary death with only syncing standbys = unavailable
    const t2 = new PlacementTable(7);
    t2.adopt(t.config('g'));
    expect(t2.dead('g', 'a').map((c) => c.kind)).toEqual(['removed', 'unavailable']);
    expect(t2.config('g')).toMatchObject({ primary: undefined, unavailable: true, lastInSync: ['a'] });
    // a stale sync report (older epoch) is ignored
    const e = t.config('g').epoch;
    t.synced('g', 'b', e);
    expect(t.synced('g', 'c', e)).toEqual([]);
    expect(t.config('g').standbys).toEqual(['b']);
    t.synced('g', 'c', t.config('g').epoch);
    expect(t.config('g').standbys).toEqual(['b', 'c']);
    expect(t.dead('g', 'a').map((c) => c.kind)).toEqual(['removed', 'primary']);
    // c resyncs from b: it may hold a write b never got
    expect(t.config('g')).toMatchObject({ primary: 'b', standbys: [], syncing: ['c'] });
  });

  it('an unavailable group returns only with a member that held every acknowledged write', () => {
    const t = new PlacementTable(1);
    t.alive('g', 'a');
    t.dead('g', 'a');
    expect(t.alive('g', 'z')).toEqual([]);
    expect(t.config('g').unavailable).toBe(true);
    expect(t.alive('g', 'a')).toEqual([{ kind: 'primary', group: 'g', node: 'a', promoted: true }]);
    expect(t.config('g').unavailable).toBe(false);
  });

  it('a newer master adopts the newest reported configuration and its epochs dominate', () => {
    const old = new PlacementTable(3);
    old.alive('g', 'a');
    old.alive('g', 'b');
    const fresh = new PlacementTable(9);
    expect(fresh.adopt(old.config('g'))).toBe(true);
    expect(fresh.adopt({ ...old.config('g'), epoch: [3, 1] })).toBe(false);
    fresh.synced('g', 'b', old.config('g').epoch);
    expect(fresh.config('g').epoch).toEqual([9, 1]);
    // whatever the deposed master does next, its epochs stay below
    old.dead('g', 'b');
    expect(compareEpoch(old.config('g').epoch, fresh.config('g').epoch)).toBeLessThan(0);
  });

  it('property: epochs grow, members unique, a promoted primary was an in-sync standby', () => {
    const op = fc.record({ kind: fc.constantFrom('alive', 'dead', 'synced'), node: fc.constantFrom('a', 'b', 'c', 'd') });
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const t = new PlacementTable(5);
      let prev: GroupConfig = t.config('g');
      for (const o of ops) {
        const before = t.config('g');
        const ch = o.kind === 'alive' ? t.alive('g', o.node) : o.kind === 'dead' ? t.dead('g', o.node) : t.synced('g', o.node, before.epoch);
        const after = t.config('g');
        if (ch.length) expect(compareEpoch(after.epoch, prev.epoch)).toBeGreaterThan(0);
        for (const c of ch) {
          if (c.kind === 'primary' && c.promoted) expect([...before.standbys, ...before.lastInSync]).toContain(c.node);
        }
        const m = membersOf(after);
        expect(new Set(m).size).toBe(m.length);
        prev = after;
      }
    }), { numRuns: 300 });
  });

  it('master is the lowest sequence number', () => {
    expect(lowestEntry([{ name: 'server-0000000012', data: 'x' }, { name: 'server-0000000003', data: 'y' }])?.data).toBe('y');
    expect(lowestEntry([])).toBeUndefined();
  });
});
