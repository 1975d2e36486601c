/**
 * Message-level tests of the Raft paper's rules (etcd-io/raft raft_paper_test.go style): one test
 * per sentence of Figure 2, §5.1–§5.4, §6 and §8 (paper-rules.ts), Figure 8 as a handful of steps,
 * and proof that the tests can fail: each rule with a test-only mutation fails when it is on.
 */
import { describe, expect, it } from 'vitest';
import type { RaftMutation } from '../../src/core/raft/index.ts';
import type { AppendReq } from '../../src/core/raft/messages.ts';
import { failureWithMutation, PAPER_RULES } from './paper-rules.ts';
import { StepHarness } from './step-harness.ts';

const S = ['s1', 's2', 's3', 's4', 's5'];

describe('Raft paper rules, one step-level test each', () => {
  for (const rule of PAPER_RULES) it(rule.title, () => rule.run([]));
});

/**
 * Figure 8: "A time sequence showing why a leader cannot determine commitment using log entries
 * from older terms." The states of (a)–(b) are built directly; (c)–(e) are played as steps.
 * Returns s1's commit index once entry 2 (term 2) is on a majority, and what a later leader does.
 */
function figure8(mutations: readonly RaftMutation[], s1ReplicatesItsOwnTerm: boolean) {
  const h = new StepHarness();
  // (a)-(b): s1 led term 2 and gave entry 2 to s2 only; s5 led term 3 and wrote its own entry 2.
  h.add('s1', { voters: S, log: [1, 2], term: 3, mutations, config: { maxEntriesPerAppend: 1 } });
  h.add('s2', { voters: S, log: [1, 2], term: 3, mutations });
  h.add('s3', { voters: S, log: [1], term: 3, mutations });
  h.add('s4', { voters: S, log: [1], term: 3, mutations });
  h.add('s5', { voters: S, log: [1, 3], term: 3, mutations });
  // (c): s1 is elected in term 4 (s2, s3, s4 vote for it) and sends entry 2 on to s2 and s3;
  // its own no-op (index 3) does not get through yet.
  h.elect('s1');
  const s1 = h.node('s1');
  expect(s1.term()).toBe(4);
  for (let k = 0; k < 10; k++) {
    const out = h.drain({ from: 's1', type: 'raft.append' }).filter((s) => s.to === 's2' || s.to === 's3');
    const upTo2 = out.map((s) => ({ ...s, msg: { ...(s.msg as AppendReq), entries: (s.msg as AppendReq).entries.filter((e) => e.index <= 2) } }));
    if (h.deliverAll(upTo2) === 0) break;
    h.deliverAll(h.drain({ to: 's1', type: 'raft.append.resp' }));
  }
  expect(h.terms('s2')).toEqual([1, 2]);
  expect(h.terms('s3')).toEqual([1, 2]);
  const commitWithOldEntryOnMajority = s1.commitIndex();
  if (s1ReplicatesItsOwnTerm) {
    // (e): s1 gets its term-4 no-op (index 3) onto s2 and s3 before it crashes: that commits 3, and 2 with it.
    const noop = s1.entryAt(3)!;
    expect(noop.kind).toBe('noop');
    for (const f of ['s2', 's3']) {
      h.deliver(f, 's1', { type: 'raft.append', term: 4, prevIndex: 2, prevTerm: 2, entries: [noop], commit: s1.commitIndex() });
      h.deliverAll(h.drain({ from: f, to: 's1', type: 'raft.append.resp' }));
    }
  }
  const s1Commit = s1.commitIndex();
  const committedEntry2 = s1Commit >= 2 ? s1.entryAt(2) : undefined;
  // s1 crashes (its messages never arrive). (d): s5 times out and campaigns in term 5.
  h.drain();
  h.timeout('s5');
  const s5 = h.node('s5');
  for (const s of h.drain({ from: 's5', type: 'raft.vote' })) if (s.to !== 's1') h.deliver(s.to, 's5', s.msg);
  h.deliverAll(h.drain({ to: 's5', type: 'raft.vote.resp' }));
  if (s5.isLeader()) {
    for (let k = 0; k < 50; k++) {
      const out = h.drain().filter((s) => s.to !== 's1' && s.from !== 's1');
      if (h.deliverAll(out) === 0) break;
    }
  }
  return { commitWithOldEntryOnMajority, s1Commit, committedEntry2, s5Leads: s5.isLeader(), s3Entry2: h.node('s3').entryAt(2), s5Entry2: s5.entryAt(2) };
}

describe('Figure 8, step by step', () => {
  it('(c)-(d): entry 2 of term 2 on a majority is not committed, and a term-3 leader may then overwrite it safely', () => {
    const r = figure8([], false);
    expect(r.commitWithOldEntryOnMajority).toBeLessThan(2);
    expect(r.s5Leads).toBe(true); // s2, s3, s4 vote for s5: its last term 3 beats their 2
    expect(r.s3Entry2?.term).toBe(3); // overwritten, which is fine: it was never committed
  });

  it('(e): once s1 replicates an entry of its own term on a majority, entry 2 is committed and s5 cannot win', () => {
    const r = figure8([], true);
    expect(r.s1Commit).toBe(3);
    expect(r.committedEntry2?.term).toBe(2);
    expect(r.s5Leads).toBe(false); // s2 and s3 hold term 4 now: they refuse s5
  });

  it('with commitOldTerms on, s1 commits entry 2 in (c) and s5 then leads with another entry 2', () => {
    const r = figure8(['commitOldTerms'], false);
    expect(r.commitWithOldEntryOnMajority).toBe(2);
    expect(r.committedEntry2?.term).toBe(2);
    expect(r.s5Leads).toBe(true);
    // State Machine Safety is gone: the new leader's entry 2 (term 3) differs from the one s1 committed.
    expect(r.s5Entry2?.term).toBe(3);
  });
});

describe('the paper tests fail when the rule they name is broken (test-only mutations)', () => {
  const mutable = PAPER_RULES.filter((r) => r.mutation !== undefined);

  it('at least five rules have a mutation', () => {
    expect(mutable.length).toBeGreaterThanOrEqual(5);
  });

  for (const rule of mutable) {
    it(`${rule.mutation} breaks: ${rule.title}`, () => {
      const failure = failureWithMutation(rule);
      expect(failure, 'the test passed with its rule broken').toBeDefined();
      expect((failure as Error).name, String(failure)).toBe('AssertionError');
    });
  }
});
