/** Snapshots and compaction (§7), membership changes with learners (dissertation §4), leadership transfer (§3.10). */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import type { TraceEvent } from '../../src/sim/index.ts';
import { Cluster, Workload } from './cluster.ts';

const N3 = ['n1', 'n2', 'n3'];

describe('§7 log compaction', () => {
  it('the log is compacted behind snapshots, and a lagging follower catches up by chunked InstallSnapshot', () => {
    const c = new Cluster({
      seed: 21,
      voters: N3,
      raft: { snapshotThresholdEntries: 50, snapshotTrailingEntries: 10, snapshotChunkBytes: 200 },
    }).start();
    const sends: TraceEvent[] = [];
    c.world.on((ev) => ev.kind === 'raft.snapshot' && ev.installed === true && sends.push(ev));
    const l = c.waitStableLeader(sec(2))!;
    const lagger = N3.find((n) => n !== l.id())!;
    c.world.inject({ kind: 'crash', node: lagger });
    for (let i = 0; i < 300; i++) expect(c.write(`v${i}`, sec(1))).toBeDefined();
    expect(l.firstIndex()).toBeGreaterThan(200); // compacted
    expect(l.snapshotIndex()).toBeGreaterThan(250);
    c.world.inject({ kind: 'restart', node: lagger });
    c.world.runFor(sec(2));
    expect(sends.length).toBeGreaterThanOrEqual(1);
    expect(sends[0]!.node).toBe(lagger);
    expect(c.app(lagger)!.sm.items).toEqual(c.app(l.id())!.sm.items);
    expect(c.app(lagger)!.sm.items.length).toBe(300);
    // The snapshot was sent in many chunks (the list of 300 values is several KB of JSON).
    expect(c.raft(lagger).snapshotIndex()).toBeGreaterThan(200);
    // Restarting from a snapshot restores the state machine from storage.
    c.world.inject({ kind: 'crash', node: lagger });
    c.world.inject({ kind: 'restart', node: lagger });
    expect(c.app(lagger)!.sm.items.length).toBeGreaterThanOrEqual(c.raft(lagger).snapshotIndex() - 5);
    c.world.runFor(sec(1));
    expect(c.app(lagger)!.sm.items.length).toBe(300);
    c.checkLogs();
  });
});

describe('dissertation §4 membership changes', () => {
  it('a new node joins as a learner, catches up, is promoted, and then counts toward quorums', () => {
    const c = new Cluster({ seed: 22, voters: N3, joiners: ['n4'], raft: { snapshotThresholdEntries: 40, snapshotTrailingEntries: 5 } }).start();
    const l = c.waitStableLeader(sec(2))!;
    for (let i = 0; i < 100; i++) expect(c.write(`v${i}`, sec(1))).toBeDefined();
    expect(c.raft('n4').role()).toBe('follower');
    expect(c.raft('n4').membership().voters).toEqual([]);
    let added: unknown;
    l.addServer('n4', (r) => (added = r));
    c.world.runFor(sec(2));
    expect(added).toMatchObject({ ok: true });
    expect(l.membership().voters).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(l.membership().learners).toEqual([]);
    expect(c.app('n4')!.sm.items.length).toBe(100);
    // With 4 voters, a quorum is 3: crash two old nodes (not the leader) and writes stop; n4 is needed.
    const others = N3.filter((n) => n !== l.id());
    c.world.inject({ kind: 'crash', node: others[0]! });
    expect(c.write('with-n4', sec(2))).toBeDefined();
    c.world.inject({ kind: 'crash', node: 'n4' });
    expect(c.write('without-quorum', sec(1))).toBeUndefined();
    c.checkLogs();
  });

  it('a learner that is not promoted never votes or counts', () => {
    const c = new Cluster({ seed: 23, voters: N3, joiners: ['n4'] }).start();
    const l = c.waitStableLeader(sec(2))!;
    let early: unknown;
    l.addLearner('n4', (r) => (early = r));
    // Refused until this leader's first (no-op) entry commits: the single-server change fix.
    expect(early).toMatchObject({ ok: false, error: 'rejected' });
    c.world.runFor(ms(50));
    let added: unknown;
    l.addLearner('n4', (r) => (added = r));
    c.world.runFor(sec(1));
    expect(added).toMatchObject({ ok: true });
    expect(c.raft('n4').role()).toBe('learner');
    expect(c.write('x', sec(1))).toBeDefined();
    c.world.runFor(ms(200));
    expect(c.app('n4')!.sm.items).toEqual(['x']);
    // Crash two voters: the learner does not make a quorum.
    for (const n of N3.filter((n) => n !== l.id())) c.world.inject({ kind: 'crash', node: n });
    expect(c.write('y', sec(1))).toBeUndefined();
  });

  it('removing the leader: it commits its own removal, steps down, and the rest elect a leader', () => {
    const c = new Cluster({ seed: 24, voters: ['n1', 'n2', 'n3', 'n4', 'n5'] }).start();
    const l = c.waitStableLeader(sec(2))!;
    expect(c.write('a', sec(1))).toBeDefined();
    let removed: unknown;
    l.removeServer(l.id(), (r) => (removed = r));
    c.world.runFor(sec(2));
    expect(removed).toMatchObject({ ok: true });
    expect(l.isLeader()).toBe(false);
    const l2 = c.leader()!;
    expect(l2.id()).not.toBe(l.id());
    expect(l2.membership().voters).not.toContain(l.id());
    expect(c.write('b', sec(2))).toBeDefined();
    // The removed node does not disrupt the cluster (PreVote + lease): the term stays.
    const term = l2.term();
    c.world.runFor(sec(5));
    expect(c.leader()?.id()).toBe(l2.id());
    expect(l2.term()).toBe(term);
  });

  it('a second change is refused until the first commits (single-server changes, one at a time)', () => {
    const c = new Cluster({ seed: 25, voters: N3, joiners: ['n4', 'n5'] }).start();
    const l = c.waitStableLeader(sec(2))!;
    c.world.runFor(ms(100));
    const rs: unknown[] = [];
    l.addLearner('n4', (r) => rs.push(r));
    l.addLearner('n5', (r) => rs.push(r));
    c.world.runFor(sec(1));
    expect(rs[0]).toMatchObject({ ok: false, error: 'rejected' });
    expect(rs[1]).toMatchObject({ ok: true });
  });
});

describe('§3.10 leadership transfer', () => {
  it('TimeoutNow hands leadership to the chosen voter at once', () => {
    const c = new Cluster({ seed: 26, voters: ['n1', 'n2', 'n3', 'n4', 'n5'] }).start();
    const l = c.waitStableLeader(sec(2))!;
    const w = new Workload(c, ms(10)).start();
    c.world.runFor(sec(1));
    const target = ['n1', 'n2', 'n3', 'n4', 'n5'].find((n) => n !== l.id())!;
    let res: unknown;
    const t0 = c.world.now();
    l.transferLeadership(target, (r) => (res = r));
    const ok = c.world.runUntil(() => c.leader()?.id() === target, t0 + sec(1));
    expect(ok).toBe(true);
    expect(c.world.now() - t0).toBeLessThan(ms(100)); // no election timeout waited
    expect(res).toEqual({ ok: true });
    w.stop();
    c.world.runFor(sec(1));
    c.checkLogs();
  });
});
