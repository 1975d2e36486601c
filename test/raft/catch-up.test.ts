/**
 * A follower that lost part of its log (a wiped or truncated disk) while the same leader stays in
 * charge must be caught up (issue 15). The leader remembers a match index for it that the follower's
 * log no longer reaches; before the fix it ignored the follower's rejections at or below that index
 * (Progress.rejected) and, with nothing new to send, sent only heartbeats: the follower never caught up.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import type { MemoryStorage } from '../../src/sim/index.ts';
import { Cluster } from './cluster.ts';

const N3 = ['n1', 'n2', 'n3'];

/** Every record and named value gone: the node comes back empty under the same id (its log was never compacted). */
function wipe(st: MemoryStorage): void {
  expect(st.first()).toBe(1);
  st.truncateFrom(1);
  for (const key of ['hs', 'base', 'snap']) st.remove(key);
  st.sync();
}

/** The last `n` records gone (a cut log tail). */
function cutTail(st: MemoryStorage, n: number): void {
  st.truncateFrom(st.last() - n + 1);
  st.sync();
}

function setup(seed: number, raft: ConstructorParameters<typeof Cluster>[0]['raft'] = {}) {
  // The follower lost entries it acknowledged: that is the bug class of issue 15's PAR part, which the
  // safety checker rightly reports; here we only look at whether the leader repairs the follower.
  const c = new Cluster({ seed, voters: N3, raft, throwOnViolation: false }).start();
  const l = c.waitStableLeader(sec(2))!;
  expect(l).toBeDefined();
  for (let i = 0; i < 30; i++) expect(c.write(`v${i}`, sec(1))).toBeDefined();
  c.world.runFor(sec(1));
  const f = N3.find((n) => n !== l.id())!;
  expect(c.raft(f).lastIndex()).toBe(l.lastIndex());
  return { c, l, f };
}

/** Runs until f holds and applied the leader's whole log (same leader, same term throughout). */
function caughtUp(c: Cluster, leaderId: string, term: number, f: string): boolean {
  const ok = c.world.runUntil(() => {
    const l = c.raft(leaderId);
    const r = c.raft(f);
    return r.lastIndex() === l.lastIndex() && r.appliedIndex() === l.commitIndex();
  }, c.world.now() + sec(5));
  expect(c.raft(leaderId).isLeader()).toBe(true);
  expect(c.raft(leaderId).term()).toBe(term);
  if (ok) expect(c.app(f)!.sm.items).toEqual(c.app(leaderId)!.sm.items);
  return ok;
}

describe('a follower that lost its log catches up while the leader stays (issue 15)', () => {
  it('a wiped follower (empty data dir, same id) is repaired with no further writes', () => {
    const { c, l, f } = setup(1501);
    const term = l.term();
    c.world.crash(f);
    wipe(c.world.storage(f, 'raft'));
    c.world.restart(f);
    expect(c.raft(f).lastIndex()).toBe(0);
    expect(caughtUp(c, l.id(), term, f)).toBe(true);
  });

  it('a follower with a cut log tail is repaired, also while writes go on', () => {
    const { c, l, f } = setup(1502);
    const term = l.term();
    c.world.crash(f);
    cutTail(c.world.storage(f, 'raft'), 5);
    c.world.restart(f);
    expect(c.raft(f).lastIndex()).toBe(l.lastIndex() - 5);
    for (let i = 0; i < 5; i++) expect(c.write(`w${i}`, sec(1))).toBeDefined();
    expect(caughtUp(c, l.id(), term, f)).toBe(true);
  });

  it('a wiped follower whose lost range the leader compacted gets a snapshot', () => {
    const { c, l, f } = setup(1503, { snapshotTrailingEntries: 2 });
    const term = l.term();
    l.takeSnapshot(); // only the leader compacts, once the snapshot's asynchronous write completed
    expect(c.world.runUntil(() => l.firstIndex() > 1, c.world.now() + sec(1))).toBe(true);
    c.world.crash(f);
    wipe(c.world.storage(f, 'raft'));
    c.world.restart(f);
    expect(caughtUp(c, l.id(), term, f)).toBe(true);
    expect(c.raft(f).snapshotIndex()).toBeGreaterThan(0);
  });

  it('the leader reports the wiped follower as repairing until it holds the leader\'s log again (autopilot health)', () => {
    const { c, l, f } = setup(1504);
    const term = l.term();
    const peer = () => l.status().peers.find((p) => p.id === f)!;
    expect(peer().repairing).toBe(false);
    c.world.crash(f);
    wipe(c.world.storage(f, 'raft'));
    c.world.restart(f);
    // The follower's rejection shows its log ends below its old match: the leader marks it.
    expect(c.world.runUntil(() => peer().repairing, c.world.now() + sec(5))).toBe(true);
    expect(peer().match).toBeLessThan(l.lastIndex());
    expect(caughtUp(c, l.id(), term, f)).toBe(true);
    // Its ack of the repaired range reaches the leader a moment after it applied.
    expect(c.world.runUntil(() => !peer().repairing, c.world.now() + sec(1))).toBe(true);
    expect(peer().match).toBe(l.lastIndex());
  });
});
