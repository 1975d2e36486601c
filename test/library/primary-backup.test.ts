/**
 * The user-protocol path end to end (docs/your-own-protocol.md): examples/primary-backup runs
 * a user-written core from a .ts module (no build) with its own checker. The buggy variant
 * fails a 200-seed swarm with a replay command that reproduces the failure, shrinks to at most
 * 2 faults, and the fixed variant passes the same 200 seeds (the checker can fail, and does
 * only when the bug is on).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasim, scratchDir } from '../cli/run-hasim.ts';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/runner.ts';

const EX = 'examples/primary-backup';
const dir = scratchDir();

describe('examples/primary-backup through hasim', () => {
  it('the buggy variant fails a 200-seed swarm, and the printed replay command reproduces a failure', () => {
    const r = hasim('run', `${EX}/buggy.yaml`, '--swarm', '200', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.runs).toBe(200);
    expect(j.failed).toBeGreaterThan(0);
    const first = j.failures[0];
    expect(first.expectations[0].detail).toMatch(/acknowledged .* is lost/);
    expect(first.replay).toBe(`npx hasim replay ${EX}/buggy.yaml --seed ${first.seed}`);
    const replay = hasim(...first.replay.replace(/^npx hasim /, '').split(' '), '--json');
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.out)).toMatchObject({ seed: first.seed, passed: false, traceHash: first.traceHash });
  });

  it('the fixed variant passes the same 200 seeds', () => {
    const r = hasim('run', `${EX}/fixed.yaml`, '--swarm', '200', '--json');
    expect(r.out).toContain('"failed":0');
    expect(r.code).toBe(0);
  });

  it('a failing seed shrinks to at most 2 faults, and the shrunk scenario (written elsewhere) still fails', () => {
    const sc = loadScenarioFile(`${EX}/buggy.yaml`);
    let seed = -1;
    for (let s = 1; s <= 200 && seed < 0; s++) if (!runScenario(sc, { seed: s }).passed) seed = s;
    expect(seed).toBeGreaterThan(0);
    const out = join(dir, 'shrunk.yaml');
    const r = hasim('shrink', `${EX}/buggy.yaml`, '--seed', String(seed), '--out', out, '--json');
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ shrunk: true, failing: ['app checker acked-writes-survive'] });
    expect(j.faults).toBeLessThanOrEqual(2);
    const again = hasim('run', out, '--seed', String(seed), '--json');
    expect(again.code).toBe(1);
  });

  it('runs are deterministic, and the module loads from a copy of the example elsewhere', () => {
    const d = hasim('determinism', `${EX}/fixed.yaml`, '--json');
    expect(JSON.parse(d.out)).toMatchObject({ identical: true, otherSeedDiffers: true });
    for (const f of ['register.ts', 'checks.ts', 'fixed.yaml']) copyFileSync(join(EX, f), join(dir, f));
    const r = hasim('run', join(dir, 'fixed.yaml'), '--seed', '3', '--json');
    expect(r.code).toBe(0);
  });

  it('a bad module path is one error line naming the file, exit 2', () => {
    mkdirSync(join(dir, 'bad'));
    const f = join(dir, 'bad', 'buggy.yaml');
    copyFileSync(`${EX}/buggy.yaml`, f);
    const r = hasim('run', f, '--json');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/app\.module: .*cannot load .*register\.ts/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
