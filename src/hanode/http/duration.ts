/**
 * Go time.Duration strings as Consul's API takes them ("10s", "1m30s", "250ms", "1h"),
 * parsed to integer microseconds, and formatted back the way Go prints them.
 */
import type { Micros } from '../../core/env.ts';

const UNIT_US: Readonly<Record<string, number>> = {
  ns: 0.001,
  us: 1,
  'µs': 1,
  'μs': 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
};

/** Bound on the number of components ("1h2m3s..."), so a hostile string cannot loop long. */
const MAX_PARTS = 16;

/** Parses a Go duration; a bare number is taken as seconds (Consul accepts "15" for lock-delay). undefined when malformed. */
export function parseGoDuration(text: string): Micros | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1_000_000);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/y;
  let pos = 0;
  let total = 0;
  let parts = 0;
  while (pos < s.length) {
    if (++parts > MAX_PARTS) return undefined;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_US[m[2]!]!;
    pos = re.lastIndex;
  }
  return Math.round(total);
}

/** Formats like Go's Duration.String for whole milliseconds and up ("10s", "1m30s", "250ms"). */
export function formatGoDuration(us: Micros): string {
  if (us === 0) return '0s';
  if (us < 1_000_000) return us % 1000 === 0 ? `${us / 1000}ms` : `${us}µs`;
  const totalSec = us / 1_000_000;
  const h = Math.floor(totalSec / 3600);
  const m = Math.floor((totalSec - h * 3600) / 60);
  const s = totalSec - h * 3600 - m * 60;
  const sText = `${Number.isInteger(s) ? s : Number(s.toFixed(6))}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}
