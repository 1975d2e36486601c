/** Figures of a ring: load balance and key movement (for the bench and tests). */
import { HashRing } from './ring.ts';

export interface Balance {
  readonly groups: number;
  readonly vnodes: number;
  /** Largest share / mean share (1 is perfect). */
  readonly maxOverMean: number;
  /** Smallest share / mean share. */
  readonly minOverMean: number;
  /** Coefficient of variation of the shares (stddev / mean). */
  readonly cv: number;
}

export function balanceOf(ring: HashRing): Balance {
  const shares = [...ring.shares().values()];
  const n = shares.length;
  const mean = 1 / n;
  const variance = shares.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  return {
    groups: n,
    vnodes: ring.vnodes,
    maxOverMean: Math.max(...shares) / mean,
    minOverMean: Math.min(...shares) / mean,
    cv: Math.sqrt(variance) / mean,
  };
}

/** Fraction of `keys` whose owner differs between two rings. */
export function movedFraction(before: HashRing, after: HashRing, keys: readonly string[]): number {
  let moved = 0;
  for (const k of keys) if (before.lookup(k) !== after.lookup(k)) moved++;
  return keys.length === 0 ? 0 : moved / keys.length;
}

/** Keys "key-0" .. "key-(n-1)": a deterministic sample. */
export function sampleKeys(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `key-${i}`);
}
