/**
 * Configuration epochs of data groups. An epoch is (term, n): term is the issuing master's
 * registration sequence number (a newer master always has a larger one), n counts changes
 * under that master. Data nodes only accept a configuration newer than the one they hold,
 * so a deposed master can never override a newer master's decisions.
 */
export type Epoch = readonly [term: number, n: number];

export const ZERO_EPOCH: Epoch = [0, 0];

export function compareEpoch(a: Epoch, b: Epoch): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

/** The next epoch a master of `term` issues after `cur`. */
export function nextEpoch(cur: Epoch, term: number): Epoch {
  return term > cur[0] ? [term, 1] : [cur[0], cur[1] + 1];
}

export function epochString(e: Epoch): string {
  return `${e[0]}.${e[1]}`;
}
