import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ddmin, shrinkScenario } from '../../src/shrink/index.ts';
import { loadScenarioFile, parseScenario, runScenario } from '../../src/scenario/index.ts';

describe('ddmin', () => {
  it('finds exactly the needed items for a monotone failure (1-minimal), within budget', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 3 }), (items, k) => {
        const needed = items.slice(0, Math.min(k, items.length));
        const fails = (s: readonly number[]) => needed.every((n) => s.includes(n));
        const r = ddmin(items, fails, 10_000);
        expect([...r.result].sort((a, b) => a - b)).toEqual([...needed].sort((a, b) => a - b));
        expect(r.minimal).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('returns [] when nothing is needed to fail, and stops at the budget', () => {
    expect(ddmin([1, 2, 3], () => true, 100).result).toEqual([]);
    const r = ddmin(Array.from({ length: 64 }, (_, i) => i), (s) => s.includes(5) && s.includes(60), 3);
    expect(r.tests).toBeLessThanOrEqual(3);
    expect(r.minimal).toBe(false);
    expect(r.result).toEqual(expect.arrayContaining([5, 60]));
  });
});

describe('shrinkScenario', () => {
  it('drops the faults that do not matter and writes a scenario that still fails', () => {
    const sc = loadScenarioFile('test/scenario/fixtures/careless-lock.yaml');
    const r = shrinkScenario(sc, { seed: 1, maxRuns: 60 });
    expect(r.failedAtFirst).toBe(true);
    expect(r.originalFaults).toBe(6);
    expect(r.faults.length).toBeGreaterThanOrEqual(1);
    expect(r.faults.length).toBeLessThanOrEqual(2);
    expect(r.faults.every((f) => f.fault.kind === 'isolate')).toBe(true);
    // The written file loads and still fails the same way.
    const again = parseScenario(r.yaml, 'shrunk.yaml');
    expect(again.faults).toEqual(r.faults);
    const run = runScenario(again, { seed: 1 });
    expect(run.expectations.find((v) => v.kind === 'lock-exclusive')!.passed).toBe(false);
    expect(r.yaml).toMatch(/^# Shrunk by `hasim shrink/);
  });

  it('turns a nemesis into an explicit schedule when the failure needs its faults', () => {
    const sc = parseScenario(`duration: 40s
topology: { regions: [{ name: r, dcs: [{ name: d, nodes: [n1, n2, n3] }] }] }
raft: { voters: d }
nemesis: { rate: 20/min, durationMin: 1s, durationMax: 3s, until: 30s, kinds: { crash: 1, pause: 1 } }
expect:
  - max-leader-changes: 0
`);
    let seed = 1;
    while (runScenario(sc, { seed }).passed && seed < 50) seed++;
    const r = shrinkScenario(sc, { seed, maxRuns: 80 });
    expect(r.failedAtFirst).toBe(true);
    expect(r.materialized).toBe(true);
    expect(r.faults.length).toBeLessThan(r.originalFaults);
    const again = parseScenario(r.yaml);
    expect(again.nemesis).toBeUndefined();
    expect(runScenario(again, { seed }).passed).toBe(false);
  });

  it('leaves a passing run alone', () => {
    const sc = loadScenarioFile('scenarios/faults/crash.yaml');
    const r = shrinkScenario(sc, { seed: 1 });
    expect(r.failedAtFirst).toBe(false);
    expect(r.runs).toBe(1);
  });
});

describe('shrink never keeps a vacuous failure', () => {
  it('a run that fails only because it tested nothing has nothing to shrink', () => {
    // Without its crashes the shard scenario loses no primary: primary-failover-within fails,
    // but vacuously (the run tested nothing). That is a scenario problem, not a bug to shrink.
    const sc = loadScenarioFile('scenarios/shard-primary-failover.yaml');
    const { nemesis: _none, ...calm } = sc;
    const idle = { ...calm, faults: [] };
    const r = shrinkScenario(idle, { seed: sc.seed, maxRuns: 5 });
    expect(r.first?.passed).toBe(false);
    const failed = r.first!.expectations.filter((v) => !v.passed);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((v) => v.vacuous === true)).toBe(true);
    expect(r.failedAtFirst).toBe(false);
    expect(r.runs).toBe(1);
  });
});
