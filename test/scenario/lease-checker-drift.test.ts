/**
 * The leases checker must catch an expiry that is early by only a few milliseconds: with the
 * lessor's drift padding switched off (MAX_CLOCK_DRIFT = 0), lease-drift seed 33 ends a 5 s
 * lease ~2.5 ms early in true time. The old checker sampled the replicas every 50 ms and saw
 * such an expiry up to 50 ms late, i.e. not early at all; it now takes the apply time from
 * the leader's `coord.lease.removed` trace event.
 */
import { describe, expect, it, vi } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

vi.mock('../../src/core/coord/config.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), MAX_CLOCK_DRIFT: 0 }));

describe('leases checker precision', () => {
  it('flags a lease that expired a few ms before its TTL (lessor padding disabled)', () => {
    const r = runScenario(loadScenarioFile('scenarios/stress/lease-drift.yaml'), { seed: 33 });
    const v = r.expectations.find((e) => e.kind === 'lease-expires-within')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/before its deadline/);
  });
});
