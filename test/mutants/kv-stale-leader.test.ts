/**
 * scenarios/kv-stale-leader.yaml reaches the stale-read mutants (issue 16): with the planted bug
 * its history is not linearizable on a seed where the unmutated code passes. Sticky clients
 * (kv `sticky: true`) are the API client mode that keeps calling a cut-off old leader.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadScenarioFile, parseScenario, runScenario } from '../../src/scenario/index.ts';

const FILE = 'scenarios/kv-stale-leader.yaml';
const linearizable = (seed: number) => runScenario(loadScenarioFile(FILE), { seed }).expectations.find((e) => e.kind === 'linearizable')!;

// The runner reads HASIM_MUTANTS before each run (src/scenario/test-mutants-env.ts).
const saved = process.env['HASIM_MUTANTS'];
const plant = (name: string) => (process.env['HASIM_MUTANTS'] = name);
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
});

describe('kv-stale-leader', () => {
  it('passes without a mutant', () => {
    delete process.env['HASIM_MUTANTS'];
    expect(linearizable(1).passed).toBe(true);
    expect(linearizable(34).passed).toBe(true);
    expect(linearizable(4).passed).toBe(true);
  });

  it('catches a leader lease that outlives the followers\' election timeout (leaseOutlivesTtl)', () => {
    plant('leaseOutlivesTtl');
    expect(linearizable(1).passed).toBe(false);
  });

  it('catches a read index served before the term\'s first commit (readBeforeTermCommit)', () => {
    plant('readBeforeTermCommit');
    // Seed 4 since the acked mark's steps are written asynchronously (issue 21), which moved the
    // simulated timing (34 before); it passes without the mutant.
    expect(linearizable(4).passed).toBe(false);
  });

  it('refuses sticky clients on the KV protocol (whose client retries elsewhere by design)', () => {
    const src = readFileSync(FILE, 'utf8').replace('  sticky: true', '  sticky: true\n  via: kv-protocol').replace('  reads: default\n', '');
    expect(() => parseScenario(src, FILE)).toThrow(/sticky: true needs via: api/);
  });
});
