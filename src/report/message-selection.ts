/**
 * Which message events a report embeds when a run sent more than it can hold: the messages
 * around every point a reader looks at (the run's start, where the first election happens;
 * every fault; every violation), each point getting the same share of a fixed budget, rather
 * than only the last N (which loses the start) or only the first N after a fault.
 */

/** A point worth keeping messages around; `before` is the share of its window kept before it (0..1). */
export interface Anchor {
  readonly t: number;
  readonly before: number;
}

/** A kept run of messages: [first message time, last message time] (both µs). */
export type KeptSpan = [number, number];

export interface MessageSelection<R> {
  readonly rows: R[];
  /** The time spans the kept rows come from: messages between two spans were left out. */
  readonly spans: KeptSpan[];
}

/** First index whose time is >= t (times ascending). */
function lowerBound<R>(rows: readonly R[], time: (r: R) => number, t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time(rows[mid]!) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index ranges [lo, hi) of a window of k messages at each anchor, merged. */
function ranges(at: readonly { i: number; before: number }[], n: number, k: number): [number, number][] {
  const rs = at
    .map(({ i, before }) => {
      const b = Math.ceil(k * before);
      return [Math.max(0, i - b), Math.min(n, i + (k - b))] as [number, number];
    })
    .sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else if (r[1] > r[0]) out.push([r[0], r[1]]);
  }
  return out;
}

const size = (rs: readonly [number, number][]) => rs.reduce((s, r) => s + (r[1] - r[0]), 0);

/**
 * Keeps at most `budget` of `rows` (sorted by time): the largest window per anchor such that
 * the union of all windows fits (a binary search on the window size; the union only grows
 * with it). With no anchors, the run's start is the anchor.
 */
export function selectMessages<R>(rows: readonly R[], time: (r: R) => number, anchors: readonly Anchor[], budget: number): MessageSelection<R> {
  const n = rows.length;
  const spanOf = (lo: number, hi: number): KeptSpan => [time(rows[lo]!), time(rows[hi - 1]!)];
  if (n === 0) return { rows: [], spans: [] };
  if (n <= budget) return { rows: rows.slice(), spans: [spanOf(0, n)] };
  const at = (anchors.length > 0 ? anchors : [{ t: 0, before: 0 }]).map((a) => ({ i: lowerBound(rows, time, a.t), before: Math.min(1, Math.max(0, a.before)) }));
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (size(ranges(at, n, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const kept = ranges(at, n, lo);
  const out: R[] = [];
  for (const [a, b] of kept) for (let i = a; i < b; i++) out.push(rows[i]!);
  return { rows: out, spans: kept.map(([a, b]) => spanOf(a, b)) };
}
