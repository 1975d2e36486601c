/**
 * The mutation harness's switches (src/core/test-mutants.ts) are off unless HASIM_MUTANTS names
 * them, unknown names are refused, and a named switch really changes the core it guards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyTestMutantsFromEnv } from '../../src/scenario/test-mutants-env.ts';
import { setTestMutants, testMutant } from '../../src/core/test-mutants.ts';
import { quorumSize } from '../../src/core/ha/quorum.ts';
import { CATALOGUE } from '../../bench/mutants/catalogue.ts';
import { CORE_MUTANTS } from '../../src/core/test-mutants.ts';
import { RAFT_MUTATIONS } from '../../src/core/raft/mutations.ts';

const saved = process.env['HASIM_MUTANTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
  setTestMutants([]);
});

describe('test-only mutants', () => {
  it('are off without HASIM_MUTANTS', () => {
    delete process.env['HASIM_MUTANTS'];
    applyTestMutantsFromEnv();
    expect(testMutant('haMinorityQuorum')).toBe(false);
    expect(quorumSize(2, 5)).toBe(3);
  });

  it('turn on by name and change the guarded rule', () => {
    process.env['HASIM_MUTANTS'] = 'haMinorityQuorum, voteWithoutLogCheck';
    applyTestMutantsFromEnv();
    expect(testMutant('haMinorityQuorum')).toBe(true);
    expect(testMutant('voteWithoutLogCheck')).toBe(true);
    expect(quorumSize(2, 5)).toBe(2); // a majority of the 2 live observers only
  });

  it('refuse unknown names', () => {
    process.env['HASIM_MUTANTS'] = 'noSuchBug';
    expect(() => applyTestMutantsFromEnv()).toThrow(/unknown mutant\(s\) noSuchBug/);
  });

  it('the catalogue names only known switches, at least 20, each with scenarios', () => {
    const known = new Set<string>([...CORE_MUTANTS, ...RAFT_MUTATIONS]);
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(20);
    for (const m of CATALOGUE) {
      for (const sw of m.switches ?? [m.name]) expect(known.has(sw), `${m.name}: ${sw}`).toBe(true);
      expect(m.scenarios.length).toBeGreaterThan(0);
    }
  });
});
