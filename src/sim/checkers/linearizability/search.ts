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
 * 2×32-bit word per op), and the cache maps hash → stored (compact set, state) pairs,
 * compared in full on a hash hit, so a collision never prunes wrongly. Ops must come sorted
 * by call time (the compact form relies on it).
 */
import { assert } from '../../../core/env.ts';
import { READ, step, type SearchOp } from './model.ts';

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
  /** Numbers kept in the cache (about 4 + tail size per configuration) before giving up with 'unknown' (memory bound). */
  readonly maxCacheWords: number;
}

/** About 10–40 s of search on this class of machine, and a few hundred MB of cache at most. */
export const DEFAULT_SEARCH_OPTIONS: SearchOptions = { maxSteps: 20_000_000, maxCacheWords: 64_000_000 };

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

  for (let i = 1; i < n; i++) assert(ops[i - 1]!.call <= ops[i]!.call, 'search ops must be sorted by call time');
  const order = entryOrder(ops);
  const entries = order.op.length;
  // Linked list over entries 0..entries-1 with head sentinel `entries`; -1 = end.
  const HEAD = entries;
  const next = new Int32Array(entries + 1);
  const prev = new Int32Array(entries + 1);
  const retEntry = new Int32Array(n).fill(-1);
  for (let k = 0; k < entries; k++) {
    next[k] = k + 1 < entries ? k + 1 : -1;
    prev[k] = k === 0 ? HEAD : k - 1;
    if (!order.isCall[k]) retEntry[order.op[k]!] = k;
  }
  next[HEAD] = entries > 0 ? 0 : -1;
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
  const isSet = (i: number): boolean => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  const z1 = zobrist(n, 0x1234567);
  const z2 = zobrist(n, 0x7654321);
  let h1 = 0;
  let h2 = 0;
  const infoIdx: number[] = [];
  for (let i = 0; i < n; i++) if (!ops[i]!.det) infoIdx.push(i);

  // Compact form of the linearized set, stored in the cache instead of a bitset copy:
  // m = the first ok op (in call order) not linearized — every ok op before it is — and the
  // "tail": info ops before m that are linearized, plus every linearized op after m. The
  // tail stays about as small as the concurrency, so a cached configuration costs a few
  // numbers instead of n bits (10,000 ops: ~1.2 KiB per configuration otherwise).
  let m = 0;
  const advanceM = (): void => {
    while (m < n && (!ops[m]!.det || isSet(m))) m++;
  };
  advanceM();
  const tailBuf = new Int32Array(n);
  let tailLen = 0;
  /** Highest linearized op index (-1: none): the scan for the tail stops there. */
  let top = -1;
  const lowerTop = (): void => {
    while (top >= 0 && !isSet(top)) top--;
  };
  const compact = (): void => {
    tailLen = 0;
    for (const i of infoIdx) {
      if (i >= m) break;
      if (isSet(i)) tailBuf[tailLen++] = i;
    }
    const lastWord = top >>> 5;
    for (let w = (m + 1) >>> 5; top >= 0 && w <= lastWord; w++) {
      let word = bits[w]!;
      while (word !== 0) {
        const low = word & -word;
        const i = (w << 5) + (31 - Math.clz32(low));
        if (i > m) tailBuf[tailLen++] = i;
        word ^= low;
      }
    }
  };

  interface Cached {
    readonly m: number;
    readonly state: number;
    readonly tail: Int32Array;
  }
  const cache = new Map<number, Cached[]>();
  let configurations = 0;
  let cacheWords = 0;

  const keyOf = (a: number, b: number, state: number): number =>
    ((a ^ Math.imul(state, 0x9e3779b1)) >>> 0) * 2097152 + ((b ^ Math.imul(state + 1, 0x85ebca6b)) & 0x1fffff);
  const sameTail = (c: Cached): boolean => {
    if (c.m !== m || c.tail.length !== tailLen) return false;
    for (let k = 0; k < tailLen; k++) if (c.tail[k] !== tailBuf[k]) return false;
    return true;
  };
  /** Records (linearized ∪ {op}, state) unless seen; true when it was new. */
  const remember = (op: number, state: number): boolean => {
    const key = keyOf((h1 ^ z1[op]!) >>> 0, (h2 ^ z2[op]!) >>> 0, state);
    const w = op >>> 5;
    const mask = 1 << (op & 31);
    const savedM = m;
    const savedTop = top;
    bits[w] = bits[w]! | mask;
    if (op > top) top = op;
    advanceM();
    compact();
    let bucket = cache.get(key);
    let seen = false;
    if (bucket) {
      for (const c of bucket) {
        if (c.state === state && sameTail(c)) {
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
      bucket.push({ m, state, tail: tailBuf.slice(0, tailLen) });
      configurations++;
      cacheWords += 4 + tailLen;
    }
    bits[w] = bits[w] & ~mask;
    m = savedM;
    top = savedTop;
    return !seen;
  };

  const stackEntry = new Int32Array(n);
  const stackState = new Int32Array(n);
  /** 1 when the frame linearized a read that matched: its alternatives need no trying (see below). */
  const stackForced = new Uint8Array(n);
  let depth = 0;
  let state = initial;
  let entry = next[HEAD];
  let steps = 0;
  let deadEndEntry = -1;

  /** Undoes frames until one whose alternatives remain; false when none is left (the search failed). */
  const backtrack = (): boolean => {
    for (;;) {
      if (depth === 0) return false;
      depth--;
      const e = stackEntry[depth]!;
      const back = order.op[e]!;
      state = stackState[depth]!;
      bits[back >>> 5] = bits[back >>> 5]! & ~(1 << (back & 31));
      if (ops[back]!.det && back < m) m = back;
      if (back === top) lowerTop();
      h1 = (h1 ^ z1[back]!) >>> 0;
      h2 = (h2 ^ z2[back]!) >>> 0;
      if (ops[back]!.det) remaining++;
      unlift(e);
      if (!stackForced[depth]) {
        entry = next[e]!;
        return true;
      }
    }
  };

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
      if (ns < 0) {
        entry = next[entry]!;
        continue;
      }
      // A read that matches the state may be linearized right now in any linearization that
      // linearizes it later (the state is the same now, and everything that returned before
      // its call is already linearized), so taking it now is never worse: no alternative to
      // it needs exploring, and if that configuration is known dead so is this one.
      const forced = o.kind === READ;
      if (remember(op, ns)) {
        stackEntry[depth] = entry;
        stackState[depth] = state;
        stackForced[depth] = forced ? 1 : 0;
        depth++;
        state = ns;
        bits[op >>> 5] = bits[op >>> 5]! | (1 << (op & 31));
        if (op > top) top = op;
        advanceM();
        h1 = (h1 ^ z1[op]!) >>> 0;
        h2 = (h2 ^ z2[op]!) >>> 0;
        if (o.det) remaining--;
        lift(entry);
        entry = next[HEAD];
      } else if (forced) {
        if (!backtrack()) return { outcome: 'fail', steps, configurations, deadEndOp: order.op[Math.max(deadEndEntry, 0)]! };
      } else {
        entry = next[entry]!;
      }
    } else {
      // A return whose op is not linearized yet: this branch is dead.
      if (deadEndEntry < entry) deadEndEntry = entry;
      if (!backtrack()) return { outcome: 'fail', steps, configurations, deadEndOp: order.op[deadEndEntry]! };
    }
  }
  return { outcome: 'ok', steps, configurations, deadEndOp: -1 };
}
