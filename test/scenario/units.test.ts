import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeProgress } from '../../src/swarm/progress.ts';
import { formatDuration, formatLatency, parseDuration, parseLatency, parseRatePerSec, parseRatio } from '../../src/scenario/units.ts';

describe('durations', () => {
  it('parses the forms a scenario uses', () => {
    expect(parseDuration('500ms')).toBe(500_000);
    expect(parseDuration('2s')).toBe(2_000_000);
    expect(parseDuration('1m30s')).toBe(90_000_000);
    expect(parseDuration('0.5ms')).toBe(500);
    expect(parseDuration('250us')).toBe(250);
    expect(parseDuration('1h')).toBe(3_600_000_000);
    expect(parseDuration('0')).toBe(0);
  });

  it('rejects bare numbers and junk (a unit is required)', () => {
    for (const s of ['30', '', 'ms', '1x', '1s 2s', '-1s', '1.s']) expect(parseDuration(s), s).toBeUndefined();
  });

  it('formatDuration round-trips through parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 3_600_000_000 }), (us) => {
        expect(parseDuration(formatDuration(us))).toBe(us);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('latency', () => {
  it('parses constants and distributions', () => {
    expect(parseLatency('0.5ms')).toEqual({ kind: 'constant', us: 500 });
    expect(parseLatency('uniform(20ms, 40ms)')).toEqual({ kind: 'uniform', min: 20_000, max: 40_000 });
    expect(parseLatency('normal(30ms, 5ms)')).toEqual({ kind: 'normal', mean: 30_000, std: 5_000 });
    expect(parseLatency('lognormal(35ms, 0.15)')).toEqual({ kind: 'lognormal', median: 35_000, sigma: 0.15 });
  });
  it('rejects malformed ones', () => {
    for (const s of ['uniform(40ms, 20ms)', 'gauss(1ms, 2ms)', 'normal(1ms)', 'lognormal(1ms, x)', '5']) expect(parseLatency(s), s).toBeUndefined();
  });
  it('formatLatency round-trips', () => {
    for (const s of ['uniform(20ms, 40ms)', 'normal(30ms, 5ms)', 'lognormal(35ms, 0.15)', '500us']) {
      const d = parseLatency(s)!;
      expect(parseLatency(formatLatency(d))).toEqual(d);
    }
  });
});

describe('rates and ratios', () => {
  it('parses', () => {
    expect(parseRatePerSec('50/s')).toBe(50);
    expect(parseRatePerSec('6/min')).toBeCloseTo(0.1);
    expect(parseRatePerSec('fast')).toBeUndefined();
    expect(parseRatio('99.5%')).toBeCloseTo(0.995);
    expect(parseRatio(0.9)).toBe(0.9);
    expect(parseRatio(1.5)).toBeUndefined();
    expect(parseRatio('120%')).toBeUndefined();
  });
});


describe('swarm progress', () => {
  const stream = (tty: boolean) => {
    const out: string[] = [];
    return { out, s: { isTTY: tty, write: (x: string) => out.push(x) } as unknown as NodeJS.WriteStream };
  };
  it('redraws a bar on a terminal', () => {
    let now = 0;
    const { out, s } = stream(true);
    const p = makeProgress(10, s, false, () => now);
    for (let i = 1; i <= 10; i++) {
      now += 150;
      p.update(i, 0);
    }
    p.finish(10, 1);
    expect(out[0]).toMatch(/^\r\[#{3}\.{27}\] 1\/10 runs, 0 failed/);
    expect(out.at(-1)).toMatch(/^\r10\/10 runs, 1 failed.*\n$/);
  });
  it('prints plain periodic lines otherwise, and nothing when quiet', () => {
    let now = 0;
    const { out, s } = stream(false);
    const p = makeProgress(100, s, false, () => now);
    for (let i = 1; i <= 100; i++) {
      now += 100; // 10 s in total: a line every 2 s
      p.update(i, 0);
    }
    expect(out.every((l) => l.startsWith('swarm: ') && l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(out.length).toBeGreaterThanOrEqual(5);
    expect(out.length).toBeLessThanOrEqual(7);
    const q = stream(false);
    makeProgress(5, q.s, true).update(5, 0);
    expect(q.out).toEqual([]);
  });
});
