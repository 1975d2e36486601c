/**
 * A fast, sound pre-check for the most common register anomalies, run before the search.
 *
 * The exact search must exhaust every configuration before an anomaly to prove it, which on
 * one hot key of a long history can take millions of steps. Most real anomalies are simpler:
 * for an ok read (or ok cas) R that found value v,
 * - "read from the future": every op that could have produced v was invoked after R returned;
 * - "overwritten": some ok op W that changes the value was invoked after every producer of v
 *   had returned, and returned before R was invoked — so W took effect after v was written
 *   and before R, whichever order the rest takes (stale reads, lost writes, double cas).
 * Either proves the key is not linearizable, with a witness of two or three ops. The "absent"
 * value counts the initial state as a producer that returned at time -∞.
 *
 * O(n log n). When it finds nothing the search decides (it is only a shortcut).
 */
import { ABSENT, consumed, produced, type SearchOp } from './model.ts';

export interface QuickViolation {
  readonly kind: 'read-from-future' | 'overwritten';
  /** The ops that cannot be ordered, by call time. */
  readonly ops: readonly SearchOp[];
}

export function quickViolation(ops: readonly SearchOp[]): QuickViolation | null {
  // Producers of each value: latest return (∞ if an info op may produce it) and earliest call.
  const maxRet = new Map<number, number>();
  const minCall = new Map<number, number>();
  const lastProducer = new Map<number, SearchOp>();
  maxRet.set(ABSENT, -Infinity); // the initial state
  minCall.set(ABSENT, -Infinity);
  for (const o of ops) {
    const p = produced(o);
    if (p === undefined) continue;
    const r = o.det ? o.ret : Infinity;
    if (!maxRet.has(p) || r > maxRet.get(p)!) {
      maxRet.set(p, r);
      lastProducer.set(p, o);
    }
    if (!minCall.has(p) || o.call < minCall.get(p)!) minCall.set(p, o.call);
  }
  // Ok value-changing ops sorted by call, with suffix minima of their returns.
  const writers = ops.filter((o) => o.det && produced(o) !== undefined).sort((a, b) => a.call - b.call);
  const sufMinRet = new Array<number>(writers.length + 1).fill(Infinity);
  const sufArg = new Array<number>(writers.length + 1).fill(-1);
  for (let i = writers.length - 1; i >= 0; i--) {
    const r = writers[i]!.ret;
    if (r < sufMinRet[i + 1]!) {
      sufMinRet[i] = r;
      sufArg[i] = i;
    } else {
      sufMinRet[i] = sufMinRet[i + 1]!;
      sufArg[i] = sufArg[i + 1]!;
    }
  }
  const firstCallAfter = (t: number): number => {
    let lo = 0;
    let hi = writers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (writers[mid]!.call > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const byCall = (a: SearchOp, b: SearchOp) => a.call - b.call || a.source.id - b.source.id;

  for (const r of ops) {
    if (!r.det) continue;
    const v = consumed(r);
    if (v === undefined) continue;
    const first = minCall.get(v);
    if (first === undefined) {
      // Nothing ever produces v: no linearization can explain r.
      return { kind: 'read-from-future', ops: [r] };
    }
    if (first > r.ret) {
      // Every producer of v was invoked after r returned (all of them are in the witness).
      const prods = ops.filter((o) => produced(o) === v);
      return { kind: 'read-from-future', ops: [...prods, r].sort(byCall) };
    }
    const last = maxRet.get(v)!;
    if (last === Infinity) continue;
    const i = firstCallAfter(last);
    if (i < writers.length && sufMinRet[i]! < r.call) {
      const w = writers[sufArg[i]!]!;
      // Every producer of v returned before w was invoked; w returned before r was invoked.
      // The latest producer stands for them all (for absent, the initial state may be it).
      const p = lastProducer.get(v);
      return { kind: 'overwritten', ops: (p ? [p, w, r] : [w, r]).sort(byCall) };
    }
  }
  return null;
}
