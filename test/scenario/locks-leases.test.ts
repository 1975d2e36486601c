/**
 * Regression seeds of the lease and lock stress scenarios (scenarios/stress/lease-*.yaml,
 * lock-*.yaml), each a bug QA found with a swarm:
 *  - lease-stale-retry seed 3: a `lease.expire` retry from the leader's previous stint fired
 *    after its re-election and expired leases kept alive (src/core/coord/leader-driver.ts);
 *  - lease-drift seeds 109, 113, 33: a leader clock +500 ppm fast ended 5 s leases ~2.5 ms
 *    early (src/core/coord/deadlines.ts padForDrift); seed 33 only shows once the checker
 *    judges expiry at apply time instead of on a 50 ms poll (src/scenario/modules/leases.ts);
 *  - lock-stale-release seed 19, lock-skew-pause seeds 13, 33: a release whose outcome was
 *    unknown applied late and freed the lock the same client had re-acquired with the same
 *    session (src/scenario/modules/locks.ts retires such a session, as Consul's api/lock.go).
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';

const CASES: [string, number][] = [
  ['scenarios/stress/lease-stale-retry.yaml', 3],
  ['scenarios/stress/lease-drift.yaml', 109],
  ['scenarios/stress/lease-drift.yaml', 113],
  ['scenarios/stress/lease-drift.yaml', 33],
  ['scenarios/stress/lock-stale-release.yaml', 19],
  ['scenarios/stress/lock-skew-pause.yaml', 13],
  ['scenarios/stress/lock-skew-pause.yaml', 33],
  ['scenarios/stress/lock-skew-pause.yaml', 2690],
];

describe('lease and lock stress seeds that once failed', () => {
  it.each(CASES)('%s --seed %i holds every expectation', (file, seed) => {
    const r = runScenario(loadScenarioFile(file), { seed });
    const failed = r.expectations.filter((v) => !v.passed).map((v) => `${v.name}: ${v.detail}`);
    expect(failed).toEqual([]);
  });

  it('lease-drift: expiries are timed at the apply, not at a 50 ms poll', () => {
    const r = runScenario(loadScenarioFile('scenarios/stress/lease-drift.yaml'), { seed: 33, recordTrace: true });
    const removed = r.trace!.filter((e) => e.kind === 'coord.lease.removed').map((e) => e.t);
    expect(removed.length).toBeGreaterThan(0);
    const notes = r.timeline.filter((i) => i.category === 'lease' && i.text.includes('expired')).map((i) => i.t);
    expect(notes).toEqual(removed);
  });

  it('lock-stale-release: a client whose release outcome is unknown retires its session before acquiring again', () => {
    const r = runScenario(loadScenarioFile('scenarios/stress/lock-stale-release.yaml'), { seed: 19 });
    expect(r.timeline.some((i) => i.category === 'lock' && /retires session .*: a release's outcome is unknown/.test(i.text))).toBe(true);
    expect(r.passed).toBe(true);
  });
});
