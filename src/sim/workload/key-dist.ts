/**
 * Key choosers for workloads: uniform, or Zipf (a few hot keys, a long tail — the skew
 * YCSB uses with constant 0.99 by default, Cooper et al. 2010).
 */
import { assert, type Random } from '../../core/env.ts';

export type KeyDistSpec = { readonly kind: 'uniform' } | { readonly kind: 'zipf'; /** exponent; YCSB's default is 0.99 */ readonly s?: number };

/** Returns a chooser of key indices in [0, n). */
export function keyChooser(n: number, spec: KeyDistSpec, random: Random): () => number {
  assert(Number.isInteger(n) && n >= 1, 'need at least one key');
  if (spec.kind === 'uniform') return () => random.int(n);
  const s = spec.s ?? 0.99;
  assert(s > 0, 'zipf exponent must be > 0');
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cdf[i] = sum;
  }
  return () => {
    const u = random.next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
