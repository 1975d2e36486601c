/**
 * Text forms of the quantities a scenario file uses, and their parsers.
 *
 * Durations: "500ms", "2s", "1m30s", "0.5ms", "250us" → integer microseconds (the unit of
 * src/core/env.ts). A bare number is rejected on purpose: "30" could mean ms or s, and a
 * scenario that silently runs 1000x too long or too short is worse than an error.
 * Latency: "0.5ms" (constant), "uniform(20ms, 40ms)", "normal(mean, std)",
 * "lognormal(median, sigma)" → a LatencyDist of src/sim/types.ts.
 * Rates: "50/s", "6/min", "120/h" → events per second.
 * Ratios: "99%", "99.9%" or a number in [0, 1].
 */
import type { Micros } from '../core/env.ts';
import type { LatencyDist } from '../sim/types.ts';

const UNIT_US: Record<string, number> = {
  us: 1,
  µs: 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(us|µs|ms|min|s|m|h)/y;

/** Parses "1m30s"-style text; undefined when it is not a duration. */
export function parseDuration(text: string): Micros | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (s === '0') return 0; // zero needs no unit
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let parts = 0;
  // Bounded: every match consumes at least two characters.
  while (DURATION_PART.lastIndex < s.length) {
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_US[m[2]!]!;
    parts++;
  }
  return parts > 0 ? Math.round(total) : undefined;
}

/** Formats microseconds back to the shortest readable text that parses to the same value. */
export function formatDuration(us: Micros): string {
  if (us === 0) return '0';
  const out: string[] = [];
  let rest = Math.round(us);
  const h = Math.floor(rest / UNIT_US.h!);
  if (h > 0) {
    out.push(`${h}h`);
    rest -= h * UNIT_US.h!;
  }
  const m = Math.floor(rest / UNIT_US.m!);
  if (m > 0) {
    out.push(`${m}m`);
    rest -= m * UNIT_US.m!;
  }
  if (rest > 0) {
    if (rest % 1_000_000 === 0) out.push(`${rest / 1_000_000}s`);
    else if (rest >= 1_000_000) out.push(`${rest / 1_000_000}s`);
    else if (rest % 1_000 === 0) out.push(`${rest / 1_000}ms`);
    else if (rest >= 1_000) out.push(`${rest / 1_000}ms`);
    else out.push(`${rest}us`);
  }
  return out.join('');
}

/** Human form for summaries: "12.3s", "450ms", "1.2ms". */
export function humanDuration(us: Micros): string {
  const a = Math.abs(us);
  if (a >= 3_600_000_000) return `${(us / 3_600_000_000).toFixed(2)}h`;
  if (a >= 60_000_000) {
    const m = Math.floor(a / 60_000_000);
    const s = (a - m * 60_000_000) / 1_000_000;
    return `${us < 0 ? '-' : ''}${m}m${s.toFixed(1)}s`;
  }
  if (a >= 1_000_000) return `${(us / 1_000_000).toFixed(a >= 10_000_000 ? 1 : 2)}s`;
  if (a >= 1_000) return `${(us / 1_000).toFixed(a >= 10_000 ? 1 : 2)}ms`;
  return `${Math.round(us)}us`;
}

const CALL = /^([a-z]+)\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$/;

/** Parses a latency distribution; undefined when the text is not one. */
export function parseLatency(text: string): LatencyDist | undefined {
  const s = text.trim();
  const c = CALL.exec(s);
  if (!c) {
    const us = parseDuration(s);
    return us === undefined ? undefined : { kind: 'constant', us };
  }
  const [, fn, a, b] = c;
  const da = parseDuration(a!);
  if (da === undefined) return undefined;
  switch (fn) {
    case 'uniform': {
      const db = parseDuration(b!);
      if (db === undefined || db < da) return undefined;
      return { kind: 'uniform', min: da, max: db };
    }
    case 'normal': {
      const db = parseDuration(b!);
      if (db === undefined) return undefined;
      return { kind: 'normal', mean: da, std: db };
    }
    case 'lognormal': {
      const sigma = Number(b);
      if (!Number.isFinite(sigma) || sigma < 0 || b!.trim() === '') return undefined;
      return { kind: 'lognormal', median: da, sigma };
    }
    default:
      return undefined;
  }
}

export function formatLatency(d: LatencyDist): string {
  switch (d.kind) {
    case 'constant':
      return formatDuration(d.us);
    case 'uniform':
      return `uniform(${formatDuration(d.min)}, ${formatDuration(d.max)})`;
    case 'normal':
      return `normal(${formatDuration(d.mean)}, ${formatDuration(d.std)})`;
    case 'lognormal':
      return `lognormal(${formatDuration(d.median)}, ${d.sigma})`;
  }
}

const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|min|m|h)$/;
const RATE_PER_SEC: Record<string, number> = { s: 1, sec: 1, min: 1 / 60, m: 1 / 60, h: 1 / 3600 };

/** "50/s" → 50, "6/min" → 0.1 (events per second); undefined when not a rate. */
export function parseRatePerSec(text: string): number | undefined {
  const m = RATE.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * RATE_PER_SEC[m[2]!]!;
}

/** "99.5%" → 0.995; a number in [0,1] stays; undefined otherwise. */
export function parseRatio(v: unknown): number | undefined {
  if (typeof v === 'number') return v >= 0 && v <= 1 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(v.trim());
  if (!m) return undefined;
  const r = Number(m[1]) / 100;
  return r <= 1 ? r : undefined;
}
