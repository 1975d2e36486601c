import { describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';
import { runSwarm } from '../../src/swarm/index.ts';

describe('swarm in worker threads', () => {
  it('gives every seed the same outcome and trace hash as a run in this thread', async () => {
    const file = 'test/scenario/fixtures/careless-lock.yaml';
    const seeds = [1, 2, 3, 4];
    let progress = 0;
    const res = await runSwarm({ file, seeds, workers: 2, onProgress: (d) => (progress = Math.max(progress, d)) });
    expect(res.runs).toBe(4);
    expect(progress).toBe(4);
    const sc = loadScenarioFile(file);
    const local = seeds.map((seed) => runScenario(sc, { seed }));
    expect(res.failingSeeds).toEqual(local.filter((r) => !r.passed).map((r) => r.seed));
    for (const f of res.failures) {
      const l = local.find((r) => r.seed === f.seed)!;
      expect(f.traceHash).toBe(l.traceHash);
      expect(f.failures.map((x) => x.name)).toEqual(l.expectations.filter((v) => !v.passed).map((v) => v.name));
    }
    expect(res.failed).toBeGreaterThan(0); // the careless client fails on at least one of these seeds
  });

  it('rejects when the scenario cannot be loaded in a worker', async () => {
    await expect(runSwarm({ file: 'test/scenario/fixtures/bad-fault-time.yaml', seeds: [1], workers: 1 })).rejects.toThrow(/faults\[2\]\.at/);
  });
});
