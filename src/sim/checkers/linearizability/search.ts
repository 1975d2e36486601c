/**
 * The Wing & Gong linearizability search with Lowe's memoisation (as in Porcupine),
 * for one register (one key: P-compositionality lets each key be checked alone).
 *
 * Calls and returns are laid out in time order in a doubly linked list. The search walks
 * it: at a call it tries to linearize that op now (if the model allows it and the pair
 * (linearized set, state) was never seen), removing the op's call and return from the list;
 * at a return it has met an op that had to be linearized already, so it backtracks. An info
 * op has no return: it may be linearized any time after its call, or never. The history is
 * linearizable once every ok op is linearized.
 *
 * The linearized set is a bitset; its hash is kept incrementally (Zobrist: XOR of a random
 * 2×32-bit word per op), and the cache maps hash → stored (bitset, state) pairs, compared
 * in full on a hash hit, so a collision never prunes wrongly.
 */
import { assert } from '../../../core/env.ts';
import { step, type SearchOp } from './model.ts';

export interface SearchResult {
  readonly outcome: 'ok' | 'fail' | 'unknown';
  /** Loop iterations used. */
  readonly steps: number;
  /** Distinct (linearized set, state) configurations cached. */
  readonly configurations: number;
  /**
   * On fail: the op whose return was the latest point any branch reached (every branch died
   * at or before it). The history cut just after this return is already non-linearizable.
   */
  readonly deadEndOp: number;
}

export interface SearchOptions {
  /** Loop iterations before giving up with 'unknown'. */
  readonly maxSteps: number;
  /** Bitset words kept in the cache before giving up with 'unknown' (memory bound). */
  readonly maxCacheWords: number;
}

export const DEFAULT_SEARCH_OPTIONS: SearchOptions = { maxSteps: 50_000_000, maxCacheWords: 64_000_000 };

/** Entry order: by time, calls before returns at equal times (touching ops count as concurrent), then op index. */
export function entryOrder(ops: readonly SearchOp[]): { op: Int32Array; isCall: Uint8Array } {
  const n = ops.length;
  const items: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const o = ops[i]!;
    items.push([o.call, 0, i]);
    if (o.det) items.push([o.ret, 1, i]);
  }
  items.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const op = new Int32Array(items.length);
  const isCall = new Uint8Array(items.length);
  items.forEach((it, k) => {
    op[k] = it[2];
    isCall[k] = it[1] === 0 ? 1 : 0;
  });
  return { op, isCall };
}

/** splitmix32: deterministic per-op Zobrist words (no global randomness). */
function zobrist(n: number, salt: number): Uint32Array {
  const out = new Uint32Array(n);
  let s = salt >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    out[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return out;
}

/** Searches for a linearization of ops starting from `initial`. */
export function searchRegister(ops: readonly SearchOp[], initial: number, opts: SearchOptions = DEFAULT_SEARCH_OPTIONS): SearchResult {
  const n = ops.length;
  let remaining = 0;
  for (const o of ops) if (o.det) remaining++;
  if (remaining === 0) return { outcome: 'ok', steps: 0, configurations: 0, deadEndOp: -1 };

  const order = entryOrder(ops);
  const m = order.op.length;
  // Linked list over entries 0..m-1 with head sentinel m; -1 = end.
  const HEAD = m;
  const next = new Int32Array(m + 1);
  const prev = new Int32Array(m + 1);
  const retEntry = new Int32Array(n).fill(-1);
  for (let k = 0; k < m; k++) {
    next[k] = k + 1 < m ? k + 1 : -1;
    prev[k] = k === 0 ? HEAD : k - 1;
    if (!order.isCall[k]) retEntry[order.op[k]!] = k;
  }
  next[HEAD] = m > 0 ? 0 : -1;
  prev[HEAD] = -1;

  const lift = (e: number): void => {
    next[prev[e]!] = next[e]!;
    if (next[e]! >= 0) prev[next[e]!] = prev[e]!;
    const r = retEntry[order.op[e]!]!;
    if (r >= 0) {
      next[prev[r]!] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = prev[r]!;
    }
  };
  const unlift = (e: number): void => {
    const r = retEntry[order.op[e]!]!;
    if (r >= 0) {
      next[prev[r]!] = r;
      if (next[r]! >= 0) prev[next[r]!] = r;
    }
    next[prev[e]!] = e;
    if (next[e]! >= 0) prev[next[e]!] = e;
  };

  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  const z1 = zobrist(n, 0x1234567);
  const z2 = zobrist(n, 0x7654321);
  let h1 = 0;
  let h2 = 0;
  const cache = new Map<number, { bits: Uint32Array; state: number }[]>();
  let configurations = 0;
  let cacheWords = 0;

  const keyOf = (a: number, b: number, state: number): number =>
    ((a ^ Math.imul(state, 0x9e3779b1)) >>> 0) * 2097152 + ((b ^ Math.imul(state + 1, 0x85ebca6b)) & 0x1fffff);
  const sameBits = (x: Uint32Array): boolean => {
    for (let w = 0; w < words; w++) if (x[w] !== bits[w]) return false;
    return true;
  };
  /** Records (bits ∪ {op}, state) unless seen; true when it was new. */
  const remember = (op: number, state: number): boolean => {
    const nh1 = (h1 ^ z1[op]!) >>> 0;
    const nh2 = (h2 ^ z2[op]!) >>> 0;
    const key = keyOf(nh1, nh2, state);
    const w = op >>> 5;
    const mask = 1 << (op & 31);
    bits[w] = bits[w]! | mask;
    let bucket = cache.get(key);
    let seen = false;
    if (bucket) {
      for (const c of bucket) {
        if (c.state === state && sameBits(c.bits)) {
          seen = true;
          break;
        }
      }
    }
    if (!seen) {
      if (!bucket) {
        bucket = [];
        cache.set(key, bucket);
      }
      bucket.push({ bits: bits.slice(), state });
      configurations++;
      cacheWords += words;
    }
    bits[w] = bits[w]! & ~mask;
    return !seen;
  };

  const stackEntry = new Int32Array(n);
  const stackState = new Int32Array(n);
  let depth = 0;
  let state = initial;
  let entry = next[HEAD]!;
  let steps = 0;
  let deadEndEntry = -1;

  while (remaining > 0) {
    if (++steps > opts.maxSteps || cacheWords > opts.maxCacheWords) {
      return { outcome: 'unknown', steps, configurations, deadEndOp: -1 };
    }
    // With ok ops left, a return entry lies ahead of any unlinearized call: the walk never runs off the end.
    assert(entry >= 0, 'linearizability search ran past the last entry');
    const op = order.op[entry]!;
    if (order.isCall[entry]) {
      const o = ops[op]!;
      const ns = step(state, o);
      if (ns >= 0 && remember(op, ns)) {
        stackEntry[depth] = entry;
        stackState[depth] = state;
        depth++;
        state = ns;
        bits[op >>> 5] = bits[op >>> 5]! | (1 << (op & 31));
        h1 = (h1 ^ z1[op]!) >>> 0;
        h2 = (h2 ^ z2[op]!) >>> 0;
        if (o.det) remaining--;
        lift(entry);
        entry = next[HEAD]!;
      } else {
        entry = next[entry]!;
      }
    } else {
      // A return whose op is not linearized yet: this branch is dead.
      if (deadEndEntry < entry) deadEndEntry = entry;
      if (depth === 0) return { outcome: 'fail', steps, configurations, deadEndOp: order.op[deadEndEntry]! };
      depth--;
      const e = stackEntry[depth]!;
      const back = order.op[e]!;
      state = stackState[depth]!;
      bits[back >>> 5] = bits[back >>> 5]! & ~(1 << (back & 31));
      h1 = (h1 ^ z1[back]!) >>> 0;
      h2 = (h2 ^ z2[back]!) >>> 0;
      if (ops[back]!.det) remaining++;
      unlift(e);
      entry = next[e]!;
    }
  }
  return { outcome: 'ok', steps, configurations, deadEndOp: -1 };
}
