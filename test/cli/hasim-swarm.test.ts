/**
 * The hasim CLI as a user runs it: swarms in worker threads, shrink, determinism.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasim, scratchDir, SMALL } from './run-hasim.ts';

const dir = scratchDir();

describe('hasim run --swarm', () => {
  it('runs seeds in worker threads; --json has runs, failed, failingSeeds', () => {
    const r = hasim('run', SMALL, '--swarm', '6', '--workers', '2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ runs: 6, failed: 0, failingSeeds: [], passed: true });
    // progress goes to stderr, plain lines when not a TTY
    expect(r.err).toMatch(/swarm: done: 6\/6 runs, 0 failed/);
  });

  it('lists failing seeds with the exact replay command; exit 1', () => {
    const r = hasim('run', 'test/scenario/fixtures/careless-lock.yaml', '--seeds', '1..3', '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/seed 1: FAIL lock exclusivity/);
    expect(r.out).toContain('npx hasim replay test/scenario/fixtures/careless-lock.yaml --seed 1');
    expect(r.err).toBe('');
  });
});

describe('hasim shrink and determinism', () => {
  it('shrink writes a smaller failing scenario; exit 1 (it still fails)', () => {
    const out = join(dir, 'shrunk.yaml');
    const r = hasim('shrink', 'test/scenario/fixtures/careless-lock.yaml', '--seed', '1', '--out', out, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ shrunk: true, originalFaults: 6 });
    expect(j.faults).toBeLessThanOrEqual(2);
    expect(hasim('run', out, '--json').code).toBe(1);
  });

  it('determinism: the same seed twice is identical, another seed differs', () => {
    const r = hasim('determinism', SMALL, '--seed', '2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.identical).toBe(true);
    expect(j.otherSeedDiffers).toBe(true);
    expect(j.hashes[0]).toBe(j.hashes[1]);
  });
});
