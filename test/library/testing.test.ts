/**
 * src/api/testing.ts: simulate() with fast-check fault schedules on the primary-backup example.
 * The buggy variant fails a property with a message holding the seed, the schedule and a replay
 * command that reproduces the failure; the fixed variant holds on the same schedules.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { faultSchedules, simulate, SimulationFailure, topologies, type ScheduledFault, type TopologySpec } from '../../src/api/testing.ts';
import { faultToYaml } from '../../src/scenario/faults.ts';
import { parseScenario } from '../../src/scenario/load.ts';
import { stringify } from 'yaml';
import { hasim } from '../cli/run-hasim.ts';

const dir = mkdtempSync(join(tmpdir(), 'hasim-testing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['register.ts', 'checks.ts', 'buggy.yaml', 'fixed.yaml']) copyFileSync(join('examples/primary-backup', f), join(dir, f));

const schedules = faultSchedules(fc, { nodes: ['n1', 'n2', 'n3'], untilUs: 15_000_000, maxFaults: 2 });
const property = (file: string) => fc.property(schedules, fc.integer({ min: 1, max: 1000 }), (faults, seed) => void simulate(file, { seed, faults }));

describe('simulate + faultSchedules', () => {
  it('the fixed variant holds on 20 random schedules', () => {
    fc.assert(property(join(dir, 'fixed.yaml')), { numRuns: 20, seed: 42 });
  });

  it('the buggy variant fails with the seed, the schedule and a replay command that reproduces it', () => {
    let failure: SimulationFailure | undefined;
    try {
      fc.assert(property(join(dir, 'buggy.yaml')), { numRuns: 50, seed: 42, endOnFailure: true });
    } catch (e) {
      failure = (e as { cause?: unknown }).cause as SimulationFailure;
    }
    expect(failure).toBeInstanceOf(SimulationFailure);
    expect(failure!.message).toMatch(/failed with seed \d+/);
    expect(failure!.message).toMatch(/faults:\n {2}\{.*"kind":"(crash|isolate|pause|partition)"/);
    expect(failure!.message).toContain(`replay: ${failure!.replay}`);
    const [, file, seed] = /replay (\S+) --seed (\d+)/.exec(failure!.replay)!;
    expect(existsSync(file!)).toBe(true);
    const r = hasim('replay', file!, '--seed', seed!, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).traceHash).toBe(failure!.result.traceHash);
  });

  it('schedules draw crashes, isolations, pauses and partitions; topologies spread nodes over regions and DCs', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const kinds = new Set(fc.sample(faultSchedules(fc, { nodes, untilUs: 1_000_000, maxFaults: 3 }), { numRuns: 200, seed: 1 }).flat().map((f) => f.fault.kind));
    expect([...kinds].sort()).toEqual(['crash', 'isolate', 'partition', 'pause']);
    const topos = fc.sample(topologies(fc, { nodes, maxRegions: 2, maxDcsPerRegion: 2 }), { numRuns: 100, seed: 1 });
    expect(topos.some((t) => t.regions.length === 2)).toBe(true);
    expect(topos.some((t) => t.regions.some((r) => r.dcs.length === 2))).toBe(true);
    for (const t of topos) expect(t.regions.flatMap((r) => r.dcs.flatMap((d) => d.nodes)).sort()).toEqual(nodes);
  });

  it('clock and loss faults are drawn when listed, within their bounds, and every drawn schedule parses back as a scenario', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const drawn = fc.sample(faultSchedules(fc, { nodes, untilUs: 2_000_000, maxFaults: 3, kinds: ['clock', 'loss'], maxSkewUs: 300_000, maxDrift: 0.02 }), { numRuns: 200, seed: 3 });
    const faults = drawn.flat();
    expect(new Set(faults.map((f) => f.fault.kind))).toEqual(new Set(['clock', 'loss']));
    const clocks = faults.flatMap((f) => (f.fault.kind === 'clock' ? [f.fault] : []));
    const losses = faults.flatMap((f) => (f.fault.kind === 'loss' ? [f.fault] : []));
    expect(clocks.some((c) => c.skew < 0) && clocks.some((c) => c.skew > 0)).toBe(true);
    for (const c of clocks) expect(Math.abs(c.skew) <= 300_000 && Math.abs(c.drift ?? 0) <= 0.02).toBe(true);
    for (const l of losses) expect(l.p >= 0.05 && l.p <= 0.5 && (l.between === undefined || l.between[0] !== l.between[1])).toBe(true);
    expect(losses.some((l) => l.between) && losses.some((l) => !l.between)).toBe(true);
    const head = 'name: drawn\nseed: 1\nduration: 3s\ntopology: { regions: [{ name: r, dcs: [{ name: d, nodes: [n1, n2, n3] }] }] }\n';
    for (const schedule of drawn.slice(0, 50)) {
      const text = `${head}${stringify({ faults: schedule.map(faultToYaml) })}`;
      expect(parseScenario(text).faults).toEqual(schedule);
    }
  });

  it('a failing schedule on a random topology shrinks to at most 2 faults, and the shrunk case still fails', () => {
    const nodes = ['n1', 'n2', 'n3'];
    const file = join(dir, 'buggy.yaml');
    const arb = fc.tuple(faultSchedules(fc, { nodes, untilUs: 15_000_000, maxFaults: 5 }), fc.integer({ min: 1, max: 1000 }), topologies(fc, { nodes }));
    const out = fc.check(fc.property(arb, ([faults, seed, topology]) => void simulate(file, { seed, faults, topology })), { numRuns: 100, seed: 7 });
    expect(out.failed).toBe(true);
    const [faults, seed, topology] = out.counterexample![0] as [ScheduledFault[], number, TopologySpec];
    expect(faults.length).toBeLessThanOrEqual(2);
    expect(simulate(file, { seed, faults, topology, throwOnFail: false }).passed).toBe(false);
    expect(String((out.errorInstance as Error).message)).toMatch(/replay: npx hasim replay \S+ --seed \d+/);
  });
});
