/** Reads (dissertation §6.4): ReadIndex by default, leader lease as an option, stale reads opt-in. */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import type { ReadResult } from '../../src/core/raft/index.ts';
import { Cluster } from './cluster.ts';

const N3 = ['n1', 'n2', 'n3'];

describe('§6.4 ReadIndex', () => {
  it('a read barrier on the leader completes after a heartbeat round, at an index covering every completed write', () => {
    const c = new Cluster({ seed: 31, voters: N3 }).start();
    const l = c.waitStableLeader(sec(2))!;
    const idx = c.write('w1', sec(1))!;
    const sentBefore = c.world.stats.sent;
    let r: ReadResult | undefined;
    l.readBarrier((x) => (r = x));
    expect(r).toBeUndefined(); // needs a quorum round first
    c.world.runFor(ms(20));
    expect(r).toEqual({ ok: true, index: idx });
    expect(c.world.stats.sent - sentBefore).toBeGreaterThanOrEqual(2); // the heartbeat round
    expect(c.app(l.id())!.sm.items).toEqual(['w1']);
  });

  it('a follower answers not-leader with a hint; an isolated leader cannot serve a read', () => {
    const c = new Cluster({ seed: 32, voters: N3 }).start();
    const l = c.waitStableLeader(sec(2))!;
    c.world.runFor(ms(200));
    const f = N3.find((n) => n !== l.id())!;
    let fr: ReadResult | undefined;
    c.raft(f).readBarrier((x) => (fr = x));
    expect(fr).toEqual({ ok: false, error: 'not-leader', leader: l.id() });
    c.world.inject({ kind: 'isolate', target: l.id() });
    let lr: ReadResult | undefined;
    l.readBarrier((x) => (lr = x));
    c.world.runFor(sec(3));
    expect(lr?.ok).toBe(false);
  });

  it('a new leader serves reads only after an entry of its term committed', () => {
    const c = new Cluster({ seed: 33, voters: N3 }).start();
    let r: ReadResult | undefined;
    let commitAtRead = -1;
    let firstEntryOfTerm = -1;
    c.world.runUntil(() => {
      const l = c.leader();
      if (l && r === undefined && commitAtRead < 0) {
        commitAtRead = l.commitIndex();
        firstEntryOfTerm = l.lastIndex();
        l.readBarrier((x) => (r = x));
      }
      return r !== undefined;
    }, sec(3));
    expect(r?.ok).toBe(true);
    expect(commitAtRead).toBeLessThan(firstEntryOfTerm);
    expect((r as { index: number }).index).toBeGreaterThanOrEqual(firstEntryOfTerm);
  });
});

describe('§6.4 follower reads (opt-in followerReads)', () => {
  it('a follower asks the leader for a read index and answers once it applied up to it', () => {
    const c = new Cluster({ seed: 36, voters: N3, raft: { followerReads: true } }).start();
    const l = c.waitStableLeader(sec(2))!;
    c.world.runFor(ms(100));
    const f = N3.find((n) => n !== l.id())!;
    // Slow the follower's link so the write's commit reaches it late: the read must still see it.
    c.world.inject({ kind: 'slow-link', between: [l.id(), f], extra: ms(30), for: sec(1) });
    const idx = c.write('w', sec(1))!;
    let r: ReadResult | undefined;
    let seen: string[] = [];
    c.raft(f).readBarrier((x) => {
      r = x;
      seen = [...c.app(f)!.sm.items];
    });
    c.world.runFor(sec(1));
    expect(r).toMatchObject({ ok: true });
    expect((r as { index: number }).index).toBeGreaterThanOrEqual(idx);
    expect(seen).toContain('w');
  });
});

describe('§6.4.1 lease reads and stale reads', () => {
  it('lease mode: within the lease a read needs no message; after losing the quorum it does not answer ok', () => {
    const c = new Cluster({ seed: 34, voters: N3, raft: { readMode: 'lease' } }).start();
    const l = c.waitStableLeader(sec(2))!;
    c.write('w', sec(1));
    c.world.runFor(ms(120)); // heartbeats renewed the lease
    const sentBefore = c.world.stats.sent;
    let r: ReadResult | undefined;
    l.readBarrier((x) => (r = x));
    expect(r).toMatchObject({ ok: true });
    expect(c.world.stats.sent).toBe(sentBefore);
    // Cut off: after the lease (electionTimeoutMin × (1 − drift)) the leader no longer reads locally.
    c.world.inject({ kind: 'isolate', target: l.id() });
    c.world.runFor(l.config.electionTimeoutMinUs);
    let r2: ReadResult | undefined;
    l.readBarrier((x) => (r2 = x));
    c.world.runFor(sec(3));
    expect(r2?.ok).toBe(false);
  });

  it('stale mode answers at once on any node with its applied index', () => {
    const c = new Cluster({ seed: 35, voters: N3, raft: { readMode: 'stale' } }).start();
    c.waitStableLeader(sec(2));
    c.write('w', sec(1));
    c.world.runFor(ms(200));
    for (const id of N3) {
      let r: ReadResult | undefined;
      c.raft(id).readBarrier((x) => (r = x));
      expect(r).toEqual({ ok: true, index: c.raft(id).appliedIndex() });
    }
  });
});
