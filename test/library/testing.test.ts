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
import { faultSchedules, simulate, SimulationFailure } from '../../src/api/testing.ts';
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
    expect(failure!.message).toMatch(/faults:\n {2}\{.*"kind":"(crash|isolate)"/);
    expect(failure!.message).toContain(`replay: ${failure!.replay}`);
    const [, file, seed] = /replay (\S+) --seed (\d+)/.exec(failure!.replay)!;
    expect(existsSync(file!)).toBe(true);
    const r = hasim('replay', file!, '--seed', seed!, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).traceHash).toBe(failure!.result.traceHash);
  });
});
