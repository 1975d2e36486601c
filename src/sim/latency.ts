/** Latency distributions: sampling in integer microseconds, and defaults per link class. */
import type { Micros, Random } from '../core/env.ts';
import { ms } from '../core/env.ts';
import { gaussian } from '../host/random.ts';
import type { LatencyDist, LatencySpec } from './types.ts';

/**
 * Defaults: same-DC round trips are ~0.5 ms in typical cloud DCs; DCs of one region (AZs)
 * are 1-2 ms apart; cross-region one-way latency of tens of ms (e.g. ~35-40 ms one way
 * between US east and west coasts). Lognormal because real network delay has a long right tail.
 */
export const DEFAULT_LATENCY: LatencySpec = {
  sameDc: { kind: 'lognormal', median: ms(0.25), sigma: 0.3 },
  sameRegion: { kind: 'lognormal', median: ms(1), sigma: 0.3 },
  crossRegion: { kind: 'lognormal', median: ms(35), sigma: 0.15 },
};

/** A delay drawn from `dist`, clamped to >= 0 and rounded to whole microseconds. */
export function sampleLatency(dist: LatencyDist, random: Random): Micros {
  let v: number;
  switch (dist.kind) {
    case 'constant':
      return dist.us;
    case 'uniform':
      v = dist.min + random.next() * (dist.max - dist.min);
      break;
    case 'normal':
      v = dist.mean + gaussian(random) * dist.std;
      break;
    case 'lognormal':
      v = dist.median * Math.exp(dist.sigma * gaussian(random));
      break;
  }
  return v > 0 ? Math.round(v) : 0;
}

/** A short human description ("lognormal(median 250µs, σ 0.3)"). */
export function describeLatency(dist: LatencyDist): string {
  switch (dist.kind) {
    case 'constant':
      return `${dist.us}µs`;
    case 'uniform':
      return `uniform(${dist.min}µs, ${dist.max}µs)`;
    case 'normal':
      return `normal(${dist.mean}µs, ${dist.std}µs)`;
    case 'lognormal':
      return `lognormal(median ${dist.median}µs, σ ${dist.sigma})`;
  }
}
