/**
 * The scaling formulas of SWIM / Lifeguard as memberlist implements them (util.go,
 * suspicion.go). Pure functions, so tests can check them against the papers' numbers.
 */
import { assert, type Micros } from '../env.ts';

/**
 * Minimum suspicion timeout: SuspicionMult × max(1, log10 n) × ProbeInterval
 * (memberlist util.go suspicionTimeout; the max(1, ·) keeps small clusters from timing out
 * faster than a few protocol periods).
 */
export function suspicionTimeoutUs(suspicionMult: number, n: number, probeIntervalUs: Micros): Micros {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.round(suspicionMult * nodeScale * probeIntervalUs);
}

/** Times an update is retransmitted: RetransmitMult × ceil(log10(n + 1)) (memberlist util.go retransmitLimit). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** Cluster size above which the push-pull interval grows (memberlist util.go pushPullScaleThreshold = 32). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * Push-pull interval for n members: unchanged up to 32, then multiplied by
 * ceil(log2 n − log2 32) + 1, so full syncs do not swamp large clusters (memberlist pushPullScale).
 */
export function pushPullIntervalUs(intervalUs: Micros, n: number): Micros {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalUs;
  const mult = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return intervalUs * mult;
}

/**
 * Lifeguard's dynamic suspicion timeout after c of the k expected independent confirmations:
 * max − (max − min) × log(c + 1) / log(k + 1), never below min (memberlist suspicion.go
 * remainingSuspicionTime). Returns the total timeout measured from the suspicion's start.
 */
export function dynamicSuspicionUs(c: number, k: number, minUs: Micros, maxUs: Micros): Micros {
  assert(minUs <= maxUs, 'suspicion: min <= max');
  assert(c >= 0 && k >= 0, 'suspicion: counts are non-negative');
  if (k < 1) return minUs;
  const frac = Math.log(c + 1) / Math.log(k + 1);
  const raw = Math.floor(maxUs - frac * (maxUs - minUs));
  return raw < minUs ? minUs : raw;
}
