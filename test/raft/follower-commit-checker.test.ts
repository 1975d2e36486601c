/**
 * The follower-commit checker (src/sim/checkers/follower-commit.ts) stays quiet on a correct
 * follower and fires on the commitBeyondVerified mutant (a follower that commits up to
 * leaderCommit past what the append verified), on the same steps as paper-rules.ts.
 */
import { describe, expect, it } from 'vitest';
import type { RaftObserver } from '../../src/core/raft/node.ts';
import type { RaftMutation } from '../../src/core/raft/index.ts';
import { FollowerCommitChecker } from '../../src/sim/checkers/follower-commit.ts';
import { buildLog, StepHarness } from './step-harness.ts';
import { append, cmd } from './paper-rules.ts';

const N3 = ['n1', 'n2', 'n3'];

/** n1 leading term 2 with log terms [1, 2, 2] and commit 3, seen only through what the checker reads. */
function leaderView() {
  const log = buildLog(N3, [1, 2, 2]);
  let obs: RaftObserver = {};
  return {
    view: {
      id: () => 'n1',
      addObserver: (o: RaftObserver) => {
        obs = o;
      },
      entryAt: (i: number) => log[i - 1],
      firstIndex: () => 1,
      lastIndex: () => log.length,
      commitIndex: () => 3,
      role: () => 'leader' as const,
      term: () => 2,
    },
    becomeLeader: () => obs.onRole?.('leader', 2, 'n1'),
  };
}

function run(mutations: readonly RaftMutation[]): FollowerCommitChecker {
  const checker = new FollowerCommitChecker({ throwOnViolation: false });
  const leader = leaderView();
  checker.attach(leader.view as never);
  leader.becomeLeader();
  const h = new StepHarness();
  // Entries 2..4 of n2 are an old term-1 leader's, never committed; n1 has verified only index 1.
  h.add('n2', { voters: N3, log: [1, 1, 1, 1], mutations });
  checker.attach(h.node('n2'));
  h.deliver('n2', 'n1', append(2, 1, 1, [], 3));
  h.deliver('n2', 'n1', append(2, 1, 1, [cmd(2, 2, 'e2')], 3));
  return checker;
}

describe('follower-commit checker', () => {
  it('is quiet on a follower that commits only what the append verified', () => {
    const c = run([]);
    expect(c.violations).toEqual([]);
    expect(c.checked).toBeGreaterThan(0);
  });

  it('fires on the commitBeyondVerified mutant', () => {
    const c = run(['commitBeyondVerified']);
    expect(c.violations.length).toBeGreaterThan(0);
    expect(c.violations[0]).toMatch(/n2 \(term 2, leader n1\) committed entry \d of term 1/);
  });
});
