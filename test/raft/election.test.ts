/** Leader election (Raft paper §5.2, §9.6 PreVote, etcd CheckQuorum), one test per rule. */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { Cluster } from './cluster.ts';

const N3 = ['n1', 'n2', 'n3'];
const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('Raft §5.2 leader election', () => {
  it('a fresh 3-node cluster elects exactly one leader, and every node follows it', () => {
    const c = new Cluster({ seed: 1, voters: N3 }).start();
    const l = c.waitStableLeader(sec(2));
    expect(l).toBeDefined();
    c.world.runFor(sec(1));
    const leaders = c.live().filter((r) => r.isLeader());
    expect(leaders.length).toBe(1);
    for (const r of c.live()) expect(r.leader()).toBe(leaders[0]!.id());
    expect(c.checker.ok()).toBe(true);
  });

  it('a single-voter cluster elects itself', () => {
    const c = new Cluster({ seed: 2, voters: ['n1'] }).start();
    expect(c.waitStableLeader(sec(1))?.id()).toBe('n1');
    expect(c.write('x', sec(1))).toBeGreaterThan(0);
  });

  it('when the leader crashes, a follower times out and a new leader of a higher term is elected', () => {
    const c = new Cluster({ seed: 3, voters: N5 }).start();
    const l1 = c.waitStableLeader(sec(2))!;
    const t1 = l1.term();
    c.world.inject({ kind: 'crash', node: l1.id() });
    const t0 = c.world.now();
    const l2 = c.waitStableLeader(sec(3))!;
    expect(l2).toBeDefined();
    expect(l2.id()).not.toBe(l1.id());
    expect(l2.term()).toBeGreaterThan(t1);
    // Within a few election timeouts (150–300 ms) plus a pre-vote and a vote round.
    expect(c.world.now() - t0).toBeLessThan(ms(1500));
  });

  it('each node grants at most one vote per term, and the vote survives a restart (persisted before answering)', () => {
    const c = new Cluster({ seed: 4, voters: N3 }).start();
    const l = c.waitStableLeader(sec(2))!;
    const follower = N3.find((n) => n !== l.id())!;
    const before = c.world.storage(follower, 'raft').load<{ term: number; vote: string | null }>('hs');
    expect(before?.term).toBe(l.term());
    c.world.inject({ kind: 'crash', node: follower });
    c.world.inject({ kind: 'restart', node: follower });
    expect(c.raft(follower).term()).toBe(l.term());
    expect(c.raft(follower).status().votedFor).toBe(before?.vote ?? undefined);
  });
});

describe('§5.4.1 election restriction', () => {
  it('a node whose log lacks committed entries cannot become leader', () => {
    const c = new Cluster({ seed: 5, voters: N3, raft: { preVote: false } }).start();
    c.waitStableLeader(sec(2));
    // Make n3 miss entries: isolate it, then commit writes on the other two.
    c.world.inject({ kind: 'isolate', target: 'n3' });
    c.world.runFor(ms(500));
    const l = c.waitStableLeader(sec(2))!;
    expect(l.id()).not.toBe('n3');
    for (let i = 0; i < 5; i++) expect(c.write(`v${i}`, sec(2))).toBeDefined();
    const committed = l.commitIndex();
    // Now crash the leader and heal n3: n3 (out of date) and the other follower remain.
    const other = N3.find((n) => n !== 'n3' && n !== l.id())!;
    c.world.inject({ kind: 'crash', node: l.id() });
    c.world.inject({ kind: 'heal' });
    const l2 = c.waitStableLeader(sec(5))!;
    expect(l2.id()).toBe(other);
    expect(l2.lastIndex()).toBeGreaterThanOrEqual(committed);
    expect(c.checker.ok()).toBe(true);
  });
});

describe('§9.6 PreVote and CheckQuorum', () => {
  it('a partitioned node rejoining does not depose a healthy leader (its term does not grow)', () => {
    const c = new Cluster({ seed: 6, voters: N5 }).start();
    const l = c.waitStableLeader(sec(2))!;
    const victim = N5.find((n) => n !== l.id())!;
    const term = l.term();
    c.world.inject({ kind: 'isolate', target: victim, for: sec(5) });
    c.world.runFor(sec(6));
    expect(c.raft(victim).term()).toBe(term); // pre-votes never bumped it
    expect(c.leader()?.id()).toBe(l.id());
    expect(l.term()).toBe(term);
    c.world.runFor(sec(1));
    expect(c.raft(victim).leader()).toBe(l.id());
  });

  it('without PreVote the same rejoin bumps terms (the disruption PreVote prevents)', () => {
    const c = new Cluster({ seed: 6, voters: N5, raft: { preVote: false, checkQuorum: false } }).start();
    const l = c.waitStableLeader(sec(2))!;
    const victim = N5.find((n) => n !== l.id())!;
    const term = l.term();
    c.world.inject({ kind: 'isolate', target: victim, for: sec(5) });
    c.world.runFor(sec(6));
    expect(c.raft(victim).term()).toBeGreaterThan(term + 5);
  });

  it('CheckQuorum: a leader cut off from the majority steps down within two election timeouts', () => {
    const c = new Cluster({ seed: 7, voters: N5 }).start();
    const l = c.waitStableLeader(sec(2))!;
    c.world.inject({ kind: 'isolate', target: l.id() });
    const t0 = c.world.now();
    const stepped = c.world.runUntil(() => !l.isLeader(), t0 + sec(2));
    expect(stepped).toBe(true);
    expect(c.world.now() - t0).toBeLessThanOrEqual(2 * l.config.electionTimeoutMinUs + ms(1));
    // Meanwhile the majority elected someone else.
    c.world.runFor(sec(1));
    const others = c.live().filter((r) => r.id() !== l.id() && r.isLeader());
    expect(others.length).toBe(1);
  });
});
