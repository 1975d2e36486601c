/**
 * A scenario's `raft: mutations: [...]` (test-only) switches off a Raft paper rule for a whole run,
 * so a swarm can show its checkers see the broken rule: the same seed passes without it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, ScenarioError } from '../../src/scenario/index.ts';

const FILE = 'scenarios/stress/raft-learners-kv.yaml';
const TEXT = readFileSync(FILE, 'utf8');

function withMutations(list: string): string {
  const out = TEXT.replace('  voters: [v1, v2, v3]\n', `  voters: [v1, v2, v3]\n  mutations: ${list}\n`);
  expect(out).not.toBe(TEXT);
  return out;
}

describe('raft: mutations in a scenario (test-only)', () => {
  it('voteWithoutLogCheck: the safety checker fails a seed that passes with the rule in place', () => {
    // Seed 5 of a 30-seed swarm of this scenario failed with the mutation (9 of 30 did, once the
    // learners really joined; seed 2 of 40 before, seed 39 when the clients spoke the KV protocol).
    // Seed 9 since the acked mark's steps are written asynchronously (issue 21: the timing of
    // those writes moved; 9, 14 and 16 are the first seeds that fail with the mutation and pass without).
    const seed = 9;
    const broken = runScenario(parseScenario(withMutations('[voteWithoutLogCheck]'), FILE), { seed });
    expect(broken.passed).toBe(false);
    expect(broken.expectations.find((v) => v.kind === 'raft-safety')?.passed).toBe(false);
    const sound = runScenario(parseScenario(TEXT, FILE), { seed });
    expect(sound.passed).toBe(true);
  });

  it('an unknown mutation name is a scenario error naming the known ones', () => {
    expect(() => parseScenario(withMutations('[noSuchRule]'), FILE)).toThrow(ScenarioError);
    expect(() => parseScenario(withMutations('[noSuchRule]'), FILE)).toThrow(/voteWithoutLogCheck/);
  });
});
