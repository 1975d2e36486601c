/**
 * The raft-safety checker judges a leader's commit against the configuration in its log: while
 * joint, a majority of C_old and of C_new must hold the entry. Shown on the step harness with the
 * commit rule broken (jointCommitNewOnly) and intact.
 */
import { describe, expect, it } from 'vitest';
import type { RaftMutation } from '../../src/core/raft/index.ts';
import { RaftSafetyChecker } from '../../src/sim/checkers/raft-safety.ts';
import { StepHarness } from './step-harness.ts';

const C_OLD = ['n1', 'n2', 'n3'];

/** n1 leads n1..n3 and replaces n2, n3 by n4, n5; only n4 and n5 get (and ack) the joint entry. */
function run(mutations: readonly RaftMutation[]) {
  const h = new StepHarness();
  for (const id of ['n1', 'n2', 'n3', 'n4', 'n5']) h.add(id, { voters: C_OLD, mutations });
  const checker = new RaftSafetyChecker({ throwOnViolation: false });
  for (const id of ['n1', 'n2', 'n3', 'n4', 'n5']) checker.attach(h.node(id));
  const n1 = h.elect('n1');
  h.exchange();
  expect(n1.commitIndex()).toBe(2);
  n1.replaceVoters(['n1', 'n4', 'n5'], () => {});
  h.runDue();
  for (let k = 0; k < 20; k++) {
    const out = h.drain().filter((s) => s.to !== 'n2' && s.to !== 'n3' && s.from !== 'n2' && s.from !== 'n3');
    if (h.deliverAll(out) === 0) break;
  }
  h.drain();
  return { h, n1, checker };
}

describe('raft-safety: commit quorum against the configuration in the leader log', () => {
  it('intact: the joint entry on C_new alone is not committed, and nothing is flagged', () => {
    const { h, n1, checker } = run([]);
    expect(n1.commitIndex()).toBe(2);
    // n2, n3 hear again (heartbeats restart the stalled pipeline): both majorities, committed, left.
    for (let k = 0; k < 10 && n1.commitIndex() < 4; k++) {
      h.advance(n1.config.heartbeatIntervalUs);
      h.exchange();
    }
    expect(n1.commitIndex()).toBe(4);
    expect(n1.membership()).toEqual({ voters: ['n1', 'n4', 'n5'], learners: [], promoting: [] });
    expect(checker.violations).toEqual([]);
    expect(checker.counts.quorumChecks).toBeGreaterThan(0);
  });

  it('jointCommitNewOnly: the leader commits on C_new alone and the checker reports it', () => {
    const { n1, checker } = run(['jointCommitNewOnly']);
    expect(n1.commitIndex()).toBeGreaterThanOrEqual(3);
    expect(checker.violations[0]).toMatch(/^commit quorum: leader n1 .* committed 3 but only n1,n4,n5 of voters=n1,n4,n5 outgoing=n1,n2,n3/);
  });
});
