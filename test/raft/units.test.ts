/** Small pure pieces: the log over storage, progress flow control, membership, sessions, config. */
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/core/env.ts';
import { resolveConfig } from '../../src/core/raft/config.ts';
import type { Entry } from '../../src/core/raft/entry.ts';
import { RaftLog } from '../../src/core/raft/log.ts';
import { makeMembership, quorumIndex, votingDiff } from '../../src/core/raft/membership.ts';
import { Progress } from '../../src/core/raft/progress.ts';
import { ClientSessions } from '../../src/core/raft/sessions.ts';
import { MemoryStorage } from '../../src/sim/index.ts';

const e = (index: number, term: number): Entry => ({ index, term, kind: 'noop' });

describe('RaftLog', () => {
  it('keeps the term of the last compacted entry for the consistency check, and finds terms by binary search', () => {
    const st = new MemoryStorage();
    const log = new RaftLog(st);
    log.append([e(1, 1), e(2, 1), e(3, 2), e(4, 2), e(5, 3)]);
    log.sync();
    log.compactTo(3);
    expect(log.first()).toBe(4);
    expect(log.term(3)).toBe(2);
    expect(log.term(2)).toBeUndefined();
    expect(log.lastIndexOfTerm(2, 5)).toBe(4);
    expect(log.lastIndexOfTerm(1, 5)).toBeUndefined();
    expect(log.firstIndexOfTerm(5, 100)).toBe(5);
  });

  it('refuses to truncate committed entries and to append out of order (invariants)', () => {
    const log = new RaftLog(new MemoryStorage());
    log.append([e(1, 1), e(2, 1)]);
    expect(() => log.truncateFrom(2, 2)).toThrow(InvariantError);
    expect(() => log.append([e(4, 1)])).toThrow(InvariantError);
    expect(() => log.append([e(3, 0)])).toThrow(InvariantError);
  });

  it('finishes a compaction a crash interrupted (base saved, log not yet compacted)', () => {
    const st = new MemoryStorage();
    const log = new RaftLog(st);
    log.append([e(1, 1), e(2, 1), e(3, 2)]);
    log.sync();
    st.save('base', { index: 2, term: 1 });
    st.sync();
    const again = new RaftLog(st);
    expect(again.first()).toBe(3);
    expect(again.term(2)).toBe(1);
  });
});

describe('Progress (etcd-style flow control)', () => {
  it('probe sends one append at a time; replicate pipelines up to the bound; stale rejections are ignored', () => {
    const p = new Progress(10, 0, 3);
    expect(p.state).toBe('probe');
    p.sent(10);
    expect(p.paused()).toBe(true);
    expect(p.rejected(10, 6)).toBe(true); // hint: next 6
    expect(p.next).toBe(6);
    expect(p.rejected(10, 4)).toBe(false); // stale: answers an older probe
    p.acked(8);
    p.becomeReplicate();
    expect(p.next).toBe(9);
    p.sent(12);
    p.sent(14);
    p.sent(16);
    expect(p.paused()).toBe(true);
    expect(p.inflightCount()).toBe(3);
    p.acked(14);
    expect(p.inflightCount()).toBe(1);
    expect(p.match).toBe(14);
    expect(p.next).toBe(17);
  });
});

describe('membership and quorums', () => {
  it('the commit point is the highest index a majority of voters stores; learners do not count', () => {
    const m = makeMembership(['a', 'b', 'c', 'd', 'e'], ['l']);
    const match: Record<string, number> = { a: 10, b: 9, c: 7, d: 3, e: 1, l: 100 };
    expect(quorumIndex(m, (id) => match[id]!)).toBe(7);
    expect(votingDiff(m, makeMembership(['a', 'b', 'c', 'd'], ['l']))).toEqual(['e']);
  });
});

describe('client sessions', () => {
  it('answers a duplicate with the first result, refuses an older sequence, and evicts the least recently used client', () => {
    const s = new ClientSessions(2);
    expect(s.check('c1', 1)).toEqual({ kind: 'new' });
    s.record('c1', 1, 'r1', 10);
    expect(s.check('c1', 1)).toEqual({ kind: 'duplicate', result: 'r1' });
    s.record('c1', 2, 'r2', 11);
    expect(s.check('c1', 1)).toEqual({ kind: 'stale' });
    s.record('c2', 1, 'x', 12);
    s.record('c3', 1, 'y', 13);
    expect(s.size()).toBe(2);
    expect(s.check('c1', 2)).toEqual({ kind: 'new' }); // evicted
  });
});

describe('config', () => {
  it('rejects inconsistent settings', () => {
    expect(() => resolveConfig({ electionTimeoutMinUs: 100, electionTimeoutMaxUs: 50 })).toThrow(/electionTimeoutMaxUs/);
    expect(() => resolveConfig({ heartbeatIntervalUs: 500_000 })).toThrow(/heartbeatIntervalUs/);
    expect(() => resolveConfig({ readMode: 'lease', checkQuorum: false })).toThrow(/lease/);
    expect(resolveConfig({}).preVote).toBe(true);
    expect(resolveConfig({}).checkQuorum).toBe(true);
  });
});
