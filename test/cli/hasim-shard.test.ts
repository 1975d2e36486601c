/**
 * Swarms beyond one machine: `run --swarm N --shard i/k --json` on k "machines", then
 * `hasim merge`: the same verdict, failing seeds and counts as one unsharded run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShard, shardSeeds } from '../../src/swarm/shard.ts';
import { hasim, scratchDir } from './run-hasim.ts';

const dir = scratchDir();
// Isolates n1 at 10s: a new leader is needed only on seeds where n1 led, so some seeds pass
// and the others fail (vacuously): a mixed swarm, which is what a merge must get right.
const FILE = join(dir, 'isolate-n1.yaml');
writeFileSync(FILE, readFileSync('test/scenario/fixtures/isolate-leader.yaml', 'utf8').replace('target: leader', 'target: n1'));

describe('shards', () => {
  it('parses i/k like vitest --shard and splits seeds into contiguous slices that cover them once', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '1/4/2']) expect(parseShard(bad)).toBeUndefined();
    const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
    for (const k of [1, 3, 4, 7, 10, 13]) {
      const parts = Array.from({ length: k }, (_, i) => shardSeeds(seeds, { index: i + 1, count: k }));
      expect(parts.flat()).toEqual(seeds);
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('4 shards merged give the same verdict, failing seeds, replays and counts as one unsharded run', () => {
    const whole = hasim('run', FILE, '--swarm', '12', '--workers', '1', '--quiet', '--json');
    const w = JSON.parse(whole.out);
    expect(w.failed).toBeGreaterThan(0);
    expect(w.failed).toBeLessThan(w.runs);
    const parts: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const r = hasim('run', FILE, '--swarm', '12', '--shard', `${i}/4`, '--workers', '1', '--quiet', '--json');
      const j = JSON.parse(r.out);
      expect(j.shard).toEqual({ index: i, count: 4, seeds: `${3 * i - 2}..${3 * i}`, swarmSeeds: '1..12' });
      expect(r.code).toBe(j.passed ? 0 : 1);
      const f = join(dir, `part-${i}.json`);
      writeFileSync(f, r.out);
      parts.push(f);
    }
    const m = hasim('merge', ...parts.reverse(), '--json');
    expect(m.code).toBe(whole.code);
    const j = JSON.parse(m.out);
    for (const k of ['runs', 'failed', 'passed', 'failingSeeds', 'failures', 'faults', 'scenario', 'file']) expect(j[k], k).toEqual(w[k]);
    expect(j.stats.events).toBe(w.stats.events);
    expect(j.stats.messages).toBe(w.stats.messages);
    expect(j.shards).toBe(4);
    const text = hasim('merge', ...parts);
    expect(text.out).toContain(`npx hasim replay ${FILE} --seed ${w.failingSeeds[0]}`);
    expect(text.out).toMatch(new RegExp(`FAIL — ${w.failed} of 12 seeds failed`));
  });

  it('a missing or doubled shard, or a file that is no report, is a one-line usage error (exit 2)', () => {
    const p = (i: number) => join(dir, `part-${i}.json`);
    const missing = hasim('merge', p(1), p(2), p(4));
    expect(missing.code).toBe(2);
    expect(missing.err.trim()).toBe('hasim: missing shard(s) 3/4: the verdict would not cover every seed');
    const twice = hasim('merge', p(1), p(2), p(3), p(4), p(2));
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/shard 2\/4 given twice/);
    expect(hasim('merge', FILE).code).toBe(2);
    // A report edited on disk: a shard out of range, a huge count, non-numeric stats are refused.
    const part1 = JSON.parse(readFileSync(p(1), 'utf8')) as { shard: { index: number; count: number }; stats: { events: unknown } };
    for (const [name, edit] of [
      ['index', { ...part1, shard: { ...part1.shard, index: 5 } }],
      ['count', { ...part1, shard: { ...part1.shard, count: 1e9 } }],
      ['stats', { ...part1, stats: { ...part1.stats, events: 'many' } }],
    ] as const) {
      const f = join(dir, `edited-${name}.json`);
      writeFileSync(f, JSON.stringify(edit));
      const r = hasim('merge', f, p(2), p(3), p(4));
      expect(r.code, name).toBe(2);
      expect(r.err, name).toMatch(/not a swarm report/);
    }
    expect(hasim('run', FILE, '--swarm', '4', '--shard', '5/4').code).toBe(2);
    expect(hasim('run', FILE, '--shard', '1/2').code).toBe(2);
  });
});
