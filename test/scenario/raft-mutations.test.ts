/**
 * A scenario's `raft: mutations: [...]` (test-only) switches off a Raft paper rule for a whole run,
 * so a swarm can show its checkers see the broken rule: the same seed passes without it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, ScenarioError } from '../../src/scenario/index.ts';
import { killingSeed } from '../support/killing-seed.ts';

const FILE = 'scenarios/stress/raft-learners-kv.yaml';
const TEXT = readFileSync(FILE, 'utf8');

function withMutations(list: string): string {
  const out = TEXT.replace('  voters: [v1, v2, v3]\n', `  voters: [v1, v2, v3]\n  mutations: ${list}\n`);
  expect(out).not.toBe(TEXT);
  return out;
}

describe('raft: mutations in a scenario (test-only)', () => {
  it('voteWithoutLogCheck: the safety checker fails a seed that passes with the rule in place', { timeout: 600_000 }, () => {
    // 9 of 30 seeds of this scenario failed with the mutation once the learners really joined.
    const broken = (seed: number) => runScenario(parseScenario(withMutations('[voteWithoutLogCheck]'), FILE), { seed });
    const seed = killingSeed(30, (s) => broken(s).passed, (s) => runScenario(parseScenario(TEXT, FILE), { seed: s }).passed);
    expect(seed, 'no seed of 1..30 fails with voteWithoutLogCheck and passes without').toBeDefined();
    expect(broken(seed!).expectations.find((v) => v.kind === 'raft-safety')?.passed).toBe(false);
  });

  it('an unknown mutation name is a scenario error naming the known ones', () => {
    expect(() => parseScenario(withMutations('[noSuchRule]'), FILE)).toThrow(ScenarioError);
    expect(() => parseScenario(withMutations('[noSuchRule]'), FILE)).toThrow(/voteWithoutLogCheck/);
  });
});
