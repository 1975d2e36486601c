/**
 * The run's trace: a running 64-bit hash over everything that happened (deliveries, drops,
 * timers, faults, core events), and optionally the events themselves.
 *
 * The hash is fed integers on the hot path (no strings, no allocation); strings such as service
 * names and message types are interned to small integers in order of first use, which is itself
 * deterministic. Same seed + same scenario + same build ⇒ same hash.
 */
import type { TraceEvent } from './types.ts';

export const enum NetKind {
  Deliver = 1,
  Drop = 2,
  Duplicate = 3,
  Timer = 4,
}

export class TraceHasher {
  private h1 = 0x811c9dc5 | 0;
  private h2 = 0x01000193 ^ 0x5bd1e995;
  private readonly interned = new Map<string, number>();

  /** Folds one 32-bit integer (or a larger safe integer, split) into the hash. */
  int(x: number): void {
    if (x > 0x7fffffff || x < -0x80000000) {
      this.mix32((x / 4294967296) | 0);
      this.mix32(x >>> 0);
    } else {
      this.mix32(x | 0);
    }
  }

  str(s: string): void {
    let id = this.interned.get(s);
    if (id === undefined) {
      id = this.interned.size + 1;
      this.interned.set(s, id);
      // The first use of a string hashes its characters, so renaming one changes the hash.
      for (let i = 0; i < s.length; i++) this.mix32(s.charCodeAt(i));
    }
    this.mix32(id);
  }

  hex(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }

  private mix32(k: number): void {
    // murmur3-style mixing per lane; two lanes with different constants give 64 bits.
    let a = Math.imul(k, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    a = Math.imul(a, 0x1b873593);
    let h = this.h1 ^ a;
    h = (h << 13) | (h >>> 19);
    this.h1 = (Math.imul(h, 5) + 0xe6546b64) | 0;
    let b = Math.imul(k ^ 0x9e3779b9, 0x85ebca6b);
    b = (b << 13) | (b >>> 19);
    b = Math.imul(b, 0xc2b2ae35);
    let g = this.h2 ^ b;
    g = (g << 17) | (g >>> 15);
    this.h2 = (Math.imul(g, 9) + 0x7f4a7c15) | 0;
  }
}

/** Folds a structured event (core or fault event) into the hash: its keys and scalar values. */
export function hashEvent(h: TraceHasher, ev: TraceEvent): void {
  for (const key in ev) {
    const v = ev[key];
    h.str(key);
    switch (typeof v) {
      case 'number':
        if (Number.isInteger(v)) h.int(v);
        else h.str(String(v));
        break;
      case 'string':
        h.str(v);
        break;
      case 'boolean':
        h.int(v ? 1 : 2);
        break;
      case 'undefined':
        h.int(3);
        break;
      default:
        h.str(JSON.stringify(v) ?? 'null');
    }
  }
}
