/**
 * The lock-delay expectation (src/scenario/modules/lock-delay.ts) fires on the lockNoDelay
 * mutant in scenarios/lock-under-partition.yaml and holds on the same seed without it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lockDelayViolations } from '../../src/scenario/modules/lock-delay.ts';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

const saved = process.env['HASIM_MUTANTS'];
afterEach(() => {
  if (saved === undefined) delete process.env['HASIM_MUTANTS'];
  else process.env['HASIM_MUTANTS'] = saved;
});

describe('lockDelayViolations', () => {
  const expiry = { session: 's1', t: 10_000_000, locks: ['locks/L0'] };
  it('flags another session taking the lock inside the delay, not after it, nor the same session', () => {
    const at = (fromUs: number, session = 's2') => [{ lock: 'locks/L0', client: 'c2', session, fromUs }];
    expect(lockDelayViolations(at(12_000_000), [expiry], 15_000_000)).toHaveLength(1);
    expect(lockDelayViolations(at(25_000_000), [expiry], 15_000_000)).toHaveLength(0);
    expect(lockDelayViolations(at(12_000_000, 's1'), [expiry], 15_000_000)).toHaveLength(0);
    expect(lockDelayViolations(at(9_000_000), [expiry], 15_000_000)).toHaveLength(0);
  });
});

describe('lock-delay in lock-under-partition', () => {
  const delay = () => runScenario(loadScenarioFile('scenarios/lock-under-partition.yaml'), { seed: 1 }).expectations.find((e) => e.kind === 'lock-delay')!;
  it('holds without a mutant', () => {
    delete process.env['HASIM_MUTANTS'];
    expect(delay().passed).toBe(true);
  });
  it('fails when a released lock can be taken at once (lockNoDelay)', () => {
    process.env['HASIM_MUTANTS'] = 'lockNoDelay';
    const v = delay();
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/lock-delay is 15\.0s/);
  });
});
