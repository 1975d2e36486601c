/**
 * The safety checker can fail: deliberately broken variants of the core (hidden test-only flags)
 * are driven into the situations the real rules exist for, and the checker catches them; the same
 * scripts with the real rules pass.
 */
import { describe, expect, it } from 'vitest';
import { ms, sec, type NodeId } from '../../src/core/env.ts';
import { RaftSafetyChecker, RaftSafetyViolation } from '../../src/sim/checkers/raft-safety.ts';
import type { Entry } from '../../src/core/raft/entry.ts';
import type { RaftNode } from '../../src/core/raft/node.ts';
import { SimulationError } from '../../src/sim/index.ts';
import type { RaftMutation } from '../../src/core/raft/mutations.ts';
import { Cluster } from './cluster.ts';

const N5 = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Runs `body`; returns the checker's violation message if the run stopped on one. */
function violationOf(c: Cluster, body: () => void): string | undefined {
  try {
    body();
  } catch (e) {
    if (e instanceof SimulationError && e.cause instanceof RaftSafetyViolation) return e.cause.message;
    if (e instanceof RaftSafetyViolation) return e.message;
    throw e;
  }
  return c.checker.violations[0];
}

/**
 * Raft paper Figure 8: a leader that commits an entry of an earlier term by counting replicas can
 * see it overwritten by a later leader. Returns the violation, if any.
 */
function figure8(unsafe: boolean): { violation: string | undefined; committedOld: boolean } {
  const c = new Cluster({
    seed: 808,
    voters: N5,
    raft: {
      preVote: false,
      checkQuorum: true,
      mutations: new Set<RaftMutation>(unsafe ? ['noElectionNoop', 'commitOldTerms'] : ['noElectionNoop']),
    },
  }).start();
  const w = c.world;
  let committedOld = false;
  const violation = violationOf(c, () => {
    // (a) S1 leads; an entry X reaches only S1 and S2.
    const s1 = c.waitStableLeader(sec(3))!;
    expect(c.write('base', sec(2))).toBeDefined();
    const [s2, s3, s4, s5] = N5.filter((n) => n !== s1.id()) as [NodeId, NodeId, NodeId, NodeId];
    w.inject({ kind: 'partition', sides: [[s1.id(), s2], [s3, s4, s5]] });
    const xIndex = s1.lastIndex() + 1;
    s1.propose('X', () => {});
    w.runFor(ms(50));
    expect(c.raft(s2).lastIndex()).toBe(xIndex);
    // (b) S5 (whoever wins among S3..S5) is elected in a later term; an entry Y reaches only it.
    let m: NodeId | undefined;
    expect(w.runUntil(() => (m = [s3, s4, s5].find((id) => c.raft(id).isLeader())) !== undefined, w.now() + sec(5))).toBe(true);
    const mNode = m!;
    w.inject({ kind: 'isolate', target: mNode });
    c.raft(mNode).propose('Y', () => {});
    w.runFor(ms(20));
    expect(c.raft(mNode).lastIndex()).toBe(xIndex);
    const [b, d] = [s3, s4, s5].filter((id) => id !== mNode) as [NodeId, NodeId];
    // (c) S1's side rejoins S3 (M and S4 stay cut off); S1 or S2 wins a later term and spreads X to S3.
    w.inject({ kind: 'heal' });
    w.inject({ kind: 'isolate', target: mNode });
    w.inject({ kind: 'isolate', target: d });
    const mTerm = c.raft(mNode).term();
    let lp: NodeId | undefined;
    expect(
      w.runUntil(() => (lp = [s1.id(), s2].find((id) => c.raft(id).isLeader() && c.raft(id).term() > mTerm)) !== undefined, w.now() + sec(10)),
    ).toBe(true);
    w.runUntil(() => c.raft(b).lastIndex() >= xIndex, w.now() + sec(1));
    w.runFor(ms(200));
    committedOld = c.raft(lp!).commitIndex() >= xIndex;
    // (d) S1 and S2 crash; M and S4 rejoin; M, whose last term is the highest, wins with S3's and S4's votes.
    w.inject({ kind: 'crash', node: s1.id() });
    w.inject({ kind: 'crash', node: s2 });
    w.inject({ kind: 'heal' });
    w.runUntil(() => c.raft(mNode).isLeader() && c.raft(mNode).term() > mTerm, w.now() + sec(20));
    expect(c.raft(mNode).isLeader()).toBe(true);
    w.runFor(sec(1));
  });
  return { violation, committedOld };
}

describe('the Raft safety checker catches broken variants', () => {
  it('Figure 8: committing an old-term entry by counting replicas is caught (leader completeness)', () => {
    const r = figure8(true);
    expect(r.committedOld).toBe(true);
    expect(r.violation).toMatch(/leader completeness/);
  });

  it('Figure 8 with the real commit rule: the old entry is never committed, and M overwriting it is legal', () => {
    const r = figure8(false);
    expect(r.committedOld).toBe(false);
    expect(r.violation).toBeUndefined();
  });

  function lostAck(unsafe: boolean): string | undefined {
    const ids = ['n1', 'n2', 'n3'];
    const c = new Cluster({ seed: 909, voters: ids, disk: { unsyncedLoss: 1, tornWrite: 0, syncLatencyUs: ms(50) }, raft: { mutations: new Set<RaftMutation>(unsafe ? ['ackBeforeDurable'] : []) } });
    c.start();
    return violationOf(c, () => {
      const l = c.waitStableLeader(sec(2))!;
      const [f, g] = ids.filter((n) => n !== l.id()) as [NodeId, NodeId];
      c.world.runFor(ms(200));
      c.world.inject({ kind: 'isolate', target: g });
      for (let i = 0; i < 5; i++) expect(c.write(`acked${i}`, sec(1))).toBeDefined();
      // The leader and the follower that acknowledged crash; the follower loses what it did not sync.
      c.world.inject({ kind: 'crash', node: l.id() });
      c.world.inject({ kind: 'crash', node: f });
      c.world.inject({ kind: 'restart', node: f });
      c.world.inject({ kind: 'heal' });
      c.waitStableLeader(sec(5));
      c.world.runFor(sec(1));
    });
  }

  it('acknowledging appends before syncing them loses committed entries on a crash (caught)', () => {
    expect(lostAck(true)).toMatch(/leader completeness|committed/);
  });

  it('the same crash with sync-before-ack loses nothing', () => {
    expect(lostAck(false)).toBeUndefined();
  });

  /**
   * Two candidates in one term and a voter that forgets its vote: L is cut off, W wins term T+1 with
   * V's vote, V crashes; when L (stepped down by CheckQuorum, still at term T) campaigns for T+1, V
   * has restarted. A V that persisted its vote refuses; one that did not votes again.
   */
  function doubleVote(unsafe: boolean): { violation: string | undefined; lTerm: number; wTerm: number } {
    const ids = ['n1', 'n2', 'n3'];
    const c = new Cluster({ seed: 707, voters: ids, raft: { preVote: false, checkQuorum: true, mutations: new Set<RaftMutation>(unsafe ? ['skipVotePersist'] : []) } });
    c.start();
    const w = c.world;
    let lTerm = 0;
    let wTerm = 0;
    const violation = violationOf(c, () => {
      const l = c.waitStableLeader(sec(2))!;
      w.inject({ kind: 'isolate', target: l.id() });
      let win: NodeId | undefined;
      expect(w.runUntil(() => (win = ids.find((id) => id !== l.id() && c.raft(id).isLeader())) !== undefined, w.now() + sec(2))).toBe(true);
      wTerm = c.raft(win!).term();
      const v = ids.find((id) => id !== l.id() && id !== win)!;
      w.inject({ kind: 'crash', node: v });
      expect(w.runUntil(() => !l.isLeader(), w.now() + sec(2))).toBe(true);
      expect(l.term()).toBe(wTerm - 1);
      w.inject({ kind: 'heal' });
      w.inject({ kind: 'isolate', target: win! });
      w.inject({ kind: 'restart', node: v });
      w.runUntil(() => l.isLeader(), w.now() + sec(3));
      lTerm = l.term();
    });
    return { violation, lTerm, wTerm };
  }

  it('not persisting the vote lets a restarted node vote twice in a term: two leaders in one term (caught)', () => {
    const r = doubleVote(true);
    expect(r.violation).toMatch(/election safety: .* both leaders in term/);
  });

  it('with the vote persisted, the restarted voter refuses, and the old leader wins only a later term', () => {
    const r = doubleVote(false);
    expect(r.violation).toBeUndefined();
    expect(r.lTerm).toBeGreaterThan(r.wTerm);
  });
});

describe('leader completeness is about later terms only (paper §5.4)', () => {
  /** A node as the checker sees it, driven by hand. */
  function fakeNode(id: string) {
    const log: Entry[] = [];
    let term = 0;
    let commit = 0;
    let role = 'follower';
    const observers: Parameters<RaftNode['addObserver']>[0][] = [];
    return {
      id: () => id,
      addObserver: (o: Parameters<RaftNode['addObserver']>[0]) => void observers.push(o),
      entryAt: (i: number) => log[i - 1],
      firstIndex: () => 1,
      lastIndex: () => log.length,
      commitIndex: () => commit,
      role: () => role as ReturnType<RaftNode['role']>,
      term: () => term,
      append(e: Entry) { log[e.index - 1] = e; log.length = e.index; },
      lead(t: number) { term = t; role = 'leader'; for (const o of observers) o.onRole?.('leader', t, id); },
      commitTo(i: number) { commit = i; for (const o of observers) o.onCommit?.(i); },
    };
  }
  const entry = (index: number, term: number): Entry => ({ index, term, kind: 'noop' } as Entry);

  it('a late leader of an OLDER term need not hold an entry committed in a newer term', () => {
    const c = new RaftSafetyChecker();
    const r1 = fakeNode('r1');
    const r3 = fakeNode('r3');
    c.attach(r1);
    c.attach(r3);
    for (const n of [r1, r3]) { n.append(entry(1, 1)); n.append(entry(2, 1)); }
    r1.append(entry(3, 4));
    r1.lead(4);
    r1.commitTo(3); // committed in term 4
    r3.append(entry(3, 3));
    expect(() => r3.lead(3)).not.toThrow(); // legal: a term-3 leader cannot commit any more
    expect(c.ok()).toBe(true);
  });

  it('a leader of a LATER term that lacks the entry is a violation', () => {
    const c = new RaftSafetyChecker({ throwOnViolation: false });
    const r1 = fakeNode('r1');
    const r3 = fakeNode('r3');
    c.attach(r1);
    c.attach(r3);
    r1.append(entry(1, 4));
    r1.lead(4);
    r1.commitTo(1);
    r3.lead(5);
    expect(c.violations.join()).toMatch(/leader completeness: new leader r3 \(term 5\) lacks entry 1, committed in term 4/);
  });
});
