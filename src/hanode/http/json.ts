/**
 * JSON with exact 64-bit integers. Consul's KV Flags are uint64; a JS number loses
 * precision past 2^53, so flags travel as decimal strings and are written as bare JSON
 * numbers through a sentinel that JSON.stringify leaves untouched.
 */
const SENTINEL = '\u0000u64:';

/** A non-negative integer written as a bare JSON number, however large. */
export class U64 {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `${SENTINEL}${this.text}\u0000`;
  }
}

const SENTINEL_RE = /"\\u0000u64:(\d+)\\u0000"/g;

export function toJson(value: unknown): string {
  return JSON.stringify(value).replace(SENTINEL_RE, '$1');
}

/** Largest uint64, as Consul accepts for ?flags. */
const U64_MAX = 18446744073709551615n;

/** Parses a uint64 decimal; undefined when it is not one. */
export function parseU64(text: string): string | undefined {
  if (!/^\d{1,20}$/.test(text)) return undefined;
  const n = BigInt(text);
  return n <= U64_MAX ? n.toString() : undefined;
}
