/**
 * scenarios/ha-hidden-observers.yaml: a partition hides four of seven HA observers from the
 * leader; the three it still sees are cut off from the target. Correct HA (DOWN needs a majority
 * of the known observers) declares nothing; haMinorityQuorum (a majority of the live ones)
 * fails the target over, and no-false-failover fires.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

const FILE = 'scenarios/ha-hidden-observers.yaml';
const saved = process.env['HASIM_MUTANTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
});

describe('ha-hidden-observers', () => {
  it('correct HA: no failover of the live target', () => {
    delete process.env['HASIM_MUTANTS'];
    const r = runScenario(loadScenarioFile(FILE));
    expect(r.expectations.filter((e) => !e.passed).map((e) => `${e.name}: ${e.detail}`)).toEqual([]);
  });

  it('haMinorityQuorum: the cut-off minority fails it over', () => {
    process.env['HASIM_MUTANTS'] = 'haMinorityQuorum';
    const v = runScenario(loadScenarioFile(FILE)).expectations.find((e) => e.kind === 'no-false-failover')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/only 3\/7 observers were cut off/);
  });
});
