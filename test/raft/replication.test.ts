/** Log replication, commitment and persistence (Raft paper §5.3, §5.4.2, §5.5; dissertation §6.3). */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { Cluster, Workload } from './cluster.ts';

const N3 = ['n1', 'n2', 'n3'];
const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];

function sameLists(c: Cluster): void {
  const live = c.live();
  const commit = Math.min(...live.map((r) => r.appliedIndex()));
  const lists = c.ids.filter((id) => c.world.isUp(id)).map((id) => c.app(id)!.sm.items);
  const n = Math.min(...lists.map((l) => l.length));
  for (const l of lists) expect(l.slice(0, n)).toEqual(lists[0]!.slice(0, n));
  expect(commit).toBeGreaterThan(0);
}

describe('§5.3 log replication', () => {
  it('committed entries are applied by every node, in the same order', () => {
    const c = new Cluster({ seed: 11, voters: N5 }).start();
    c.waitStableLeader(sec(2));
    for (let i = 0; i < 20; i++) expect(c.write(`v${i}`, sec(1))).toBeDefined();
    c.world.runFor(sec(1));
    for (const id of N5) expect(c.app(id)!.sm.items).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
    c.checkLogs();
    expect(c.checker.ok()).toBe(true);
  });

  it('pipelining: many concurrent proposals are batched into few appends and all commit', () => {
    const c = new Cluster({ seed: 12, voters: N3, raft: { maxEntriesPerAppend: 16, maxInflightAppends: 4 } }).start();
    const l = c.waitStableLeader(sec(2))!;
    const results: number[] = [];
    const sentBefore = c.world.stats.sent;
    for (let i = 0; i < 500; i++) l.propose(`p${i}`, (r) => r.ok && results.push(r.index));
    c.world.runFor(sec(2));
    expect(results.length).toBe(500);
    expect(new Set(results).size).toBe(500);
    // 500 entries to 2 followers one by one would take 2000 messages; batches of 16 take far fewer.
    expect(c.world.stats.sent - sentBefore).toBeLessThan(400);
    for (const id of N3) expect(c.app(id)!.sm.items.length).toBe(500);
  });

  it('a follower that was down catches up, and one with a divergent log is repaired with few round trips (fast backtracking)', () => {
    const c = new Cluster({ seed: 13, voters: N3 }).start();
    const l = c.waitStableLeader(sec(2))!;
    const f = N3.find((n) => n !== l.id())!;
    // f leads nothing but collects a long uncommitted tail? Isolate the leader with a flood of proposals
    // (which cannot commit), let the others elect, then heal: the old leader's tail must be replaced.
    c.world.inject({ kind: 'isolate', target: l.id() });
    for (let i = 0; i < 300; i++) l.propose(`lost${i}`, () => {});
    c.world.runFor(sec(2));
    const l2 = c.leader()!;
    expect(l2.id()).not.toBe(l.id());
    for (let i = 0; i < 10; i++) expect(c.write(`kept${i}`, sec(1))).toBeDefined();
    const sentBefore = c.world.stats.sent;
    c.world.inject({ kind: 'heal' });
    c.world.runFor(sec(1));
    expect(c.app(l.id())!.sm.items.filter((x) => x.startsWith('lost'))).toEqual([]);
    expect(c.app(l.id())!.sm.items).toEqual(c.app(l2.id())!.sm.items);
    expect(c.raft(l.id()).lastIndex()).toBe(l2.lastIndex());
    // 300 conflicting entries: one-by-one backtracking would need ~300 rejections.
    expect(c.world.stats.sent - sentBefore).toBeLessThan(120);
    void f;
    c.checkLogs();
  });
});

describe('§5.5 persistence and restarts', () => {
  it('after every node crashes and restarts, committed entries survive and are applied again', () => {
    const c = new Cluster({ seed: 14, voters: N3, disk: { unsyncedLoss: 1, tornWrite: 0.5 } }).start();
    c.waitStableLeader(sec(2));
    for (let i = 0; i < 10; i++) expect(c.write(`v${i}`, sec(1))).toBeDefined();
    for (const id of N3) c.world.inject({ kind: 'crash', node: id });
    c.world.runFor(ms(100));
    for (const id of N3) c.world.inject({ kind: 'restart', node: id });
    c.waitStableLeader(sec(3));
    expect(c.write('after', sec(2))).toBeDefined();
    c.world.runFor(sec(1));
    for (const id of N3) expect(c.app(id)!.sm.items).toEqual([...Array.from({ length: 10 }, (_, i) => `v${i}`), 'after']);
    c.checkLogs();
  });

  it('a steady load through crashes and restarts of followers and leaders keeps every replica identical', () => {
    const c = new Cluster({ seed: 15, voters: N5, disk: { unsyncedLoss: 1, tornWrite: 0.5 } }).start();
    c.waitStableLeader(sec(2));
    const w = new Workload(c, ms(5)).start();
    for (let k = 0; k < 6; k++) {
      c.world.runFor(sec(1));
      const victim = (k % 2 === 0 ? c.leader()?.id() : undefined) ?? N5[k % N5.length]!;
      c.world.inject({ kind: 'crash', node: victim });
      c.world.runFor(ms(400));
      c.world.inject({ kind: 'restart', node: victim });
    }
    w.stop();
    c.world.runFor(sec(3));
    expect(w.completed.length).toBeGreaterThan(500);
    sameLists(c);
    // At-most-once: every completed value appears exactly once in the log.
    const items = c.app('n1')!.sm.items;
    expect(new Set(items).size).toBe(items.length);
    for (const d of w.completed) expect(items).toContain(d.value);
    c.checkLogs();
  });
});

describe('dissertation §6.3 client sessions', () => {
  it('a retried (client, seq) command applies once and returns the first result', () => {
    const c = new Cluster({ seed: 16, voters: N3 }).start();
    const l = c.waitStableLeader(sec(2))!;
    const got: unknown[] = [];
    l.propose('a', (r) => got.push(r.ok && r.result), { client: 'c1', seq: 1 });
    l.propose('a', (r) => got.push(r.ok && r.result), { client: 'c1', seq: 1 });
    l.propose('b', (r) => got.push(r.ok && r.result), { client: 'c1', seq: 2 });
    l.propose('a-old', (r) => got.push(r.ok ? r.result : r.error), { client: 'c1', seq: 1 });
    c.world.runFor(sec(1));
    expect(got).toEqual([1, 1, 2, 'rejected']); // older than the client's last: refused, not re-applied
    for (const id of N3) expect(c.app(id)!.sm.items).toEqual(['a', 'b']);
  });
});

describe('clean shutdown', () => {
  it('stop() answers every waiting proposal (unknown outcome) and no timer fires afterwards', () => {
    const c = new Cluster({ seed: 17, voters: ['n1', 'n2', 'n3'] }).start();
    const l = c.waitStableLeader(sec(2))!;
    c.world.inject({ kind: 'isolate', target: l.id() });
    const got: string[] = [];
    l.propose('x', (r) => got.push(r.ok ? 'ok' : r.error));
    c.world.runFor(ms(10));
    l.stop();
    expect(got).toEqual(['unknown-outcome']);
    const term = l.term();
    c.world.runFor(sec(2));
    expect(l.term()).toBe(term);
    expect(l.isLeader()).toBe(false);
  });
});
