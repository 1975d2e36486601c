/**
 * Figures computed from a client history (docs/formats.md --history): operation latency
 * percentiles, availability (ok / completed), and a per-window series for the HTML report.
 * An `info` completion (outcome unknown, e.g. a timeout) counts as unavailable.
 */
import type { Micros } from '../core/env.ts';
import type { HistoryOp, LatencySummary } from './types.ts';

/** Bound on series windows, so a 24 h run still draws a readable chart. */
export const MAX_SERIES_WINDOWS = 600;

interface Completed {
  readonly start: Micros;
  readonly end: Micros;
  readonly ok: boolean;
  /** Outcome unknown (timeout, lost connection): the "failed" marks of the report. */
  readonly unknown: boolean;
}

/** Pairs each process's invoke with its next completion (a process has one op in flight). */
export function completedOps(history: readonly HistoryOp[]): Completed[] {
  const open = new Map<number, Micros>();
  const out: Completed[] = [];
  for (const op of history) {
    if (op.type === 'invoke') {
      open.set(op.process, op.time);
      continue;
    }
    const start = open.get(op.process);
    if (start === undefined) continue;
    open.delete(op.process);
    out.push({ start, end: op.time, ok: op.type === 'ok', unknown: op.type === 'info' });
  }
  return out;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function latencySummary(ops: readonly Completed[]): LatencySummary | undefined {
  const lat = ops.filter((o) => o.ok).map((o) => o.end - o.start);
  if (lat.length === 0) return undefined;
  lat.sort((a, b) => a - b);
  return { count: lat.length, p50Us: quantile(lat, 0.5), p90Us: quantile(lat, 0.9), p99Us: quantile(lat, 0.99), maxUs: lat[lat.length - 1]! };
}

export function availability(ops: readonly Completed[]): { ok: number; total: number; ratio: number } | undefined {
  if (ops.length === 0) return undefined;
  const ok = ops.filter((o) => o.ok).length;
  return { ok, total: ops.length, ratio: ok / ops.length };
}

/** [windowStartUs, p50Us, p99Us, okCount, unknownCount] per window, by completion time. */
export function latencySeries(ops: readonly Completed[], endUs: Micros): [number, number, number, number, number][] {
  if (ops.length === 0 || endUs <= 0) return [];
  const windows = Math.min(MAX_SERIES_WINDOWS, Math.max(1, Math.ceil(endUs / 1_000_000)));
  const width = Math.ceil(endUs / windows);
  const lat: number[][] = Array.from({ length: windows }, () => []);
  const fails = new Array<number>(windows).fill(0);
  for (const o of ops) {
    const w = Math.min(windows - 1, Math.floor(o.end / width));
    if (o.ok) lat[w]!.push(o.end - o.start);
    else if (o.unknown) fails[w]!++;
  }
  return lat.map((l, i) => {
    l.sort((a, b) => a - b);
    return [i * width, quantile(l, 0.5), quantile(l, 0.99), l.length, fails[i]!];
  });
}
