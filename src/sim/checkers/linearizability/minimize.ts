/**
 * Shrinks a failing key's history to a small set of operations that cannot be ordered.
 *
 * 1. Prefix: the search reports the latest return any branch reached; the history cut just
 *    after it (ops called later dropped, ops still running turned into info) is already
 *    non-linearizable (any linearization of the whole would pass that return).
 * 2. Window: cut at a quiescent point (every earlier ok op returned before any later one was
 *    called), as late as binary search allows, letting the register start in ANY state.
 *    What remains cannot be ordered whatever happened before.
 * 3. Greedy: drop single ops while the rest still fails — but never an op producing a value
 *    that a kept op reads (that could fabricate a "read from nowhere"); a kept cas expecting
 *    that value is relaxed into a plain write instead (see withoutOp).
 */
import { assert } from '../../../core/env.ts';
import { ABSENT, CAS, READ, WRITE, consumed, produced, pruneUnobservable, type SearchOp } from './model.ts';
import { searchRegister, type SearchOptions } from './search.ts';

export interface Minimized {
  readonly ops: readonly SearchOp[];
  /** true when earlier ops were cut away and the register may start in any state. */
  readonly anyInitial: boolean;
  /** Ops in the non-linearizable prefix (before the window and greedy steps). */
  readonly prefixOps: number;
}

export interface MinimizeOptions {
  readonly search: SearchOptions;
  /** The greedy pass runs only on windows up to this size (it is quadratic). */
  readonly maxGreedyOps: number;
}

/** The failing prefix of ops (all of one key, as searched) at the return of `deadEndOp`. */
export function failingPrefix(ops: readonly SearchOp[], deadEndOp: number): SearchOp[] {
  const d = ops[deadEndOp]!;
  const t = d.ret;
  const out: SearchOp[] = [];
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    if (o.call > t) continue;
    const complete = o.det && (o.ret < t || (o.ret === t && i <= deadEndOp));
    if (complete) out.push(o);
    else if (o.kind !== READ) out.push({ ...o, det: false, ret: Infinity }); // a pending read constrains nothing
  }
  return pruneUnobservable(out);
}

/**
 * Whether ops fail from every initial state that could matter. Only ops that may be
 * linearized before every ok producer (call <= the earliest ok producer's return) can see
 * the initial state, so their expected values, absent, and one fresh value cover all cases.
 */
export function failsFromAnyState(ops: readonly SearchOp[], opts: SearchOptions, freshValue: number): boolean {
  let firstProducerRet = Infinity;
  for (const o of ops) if (o.det && o.kind !== READ && o.ret < firstProducerRet) firstProducerRet = o.ret;
  const candidates = new Set<number>([ABSENT, freshValue]);
  for (const o of ops) {
    const c = consumed(o);
    if (c !== undefined && o.call <= firstProducerRet) candidates.add(c);
  }
  for (const init of candidates) {
    if (searchRegister(ops, init, opts).outcome !== 'fail') return false;
  }
  return true;
}

function fails(ops: readonly SearchOp[], anyInitial: boolean, opts: SearchOptions, fresh: number): boolean {
  return anyInitial ? failsFromAnyState(ops, opts, fresh) : searchRegister(ops, ABSENT, opts).outcome === 'fail';
}

/**
 * Quiescent cut points: positions j in call order such that every ok op called before the
 * j-th ok op has returned before it is called. Cutting there removes ops that all precede
 * (in real time) every kept ok op, so "any starting value" covers whatever they did.
 * Returns the call times of those points, ascending.
 */
function quiescentCuts(ops: readonly SearchOp[]): number[] {
  const det = ops.filter((o) => o.det).sort((a, b) => a.call - b.call);
  const cuts: number[] = [];
  let maxRet = -Infinity;
  for (let j = 0; j < det.length; j++) {
    if (j > 0 && maxRet < det[j]!.call) cuts.push(det[j]!.call);
    maxRet = Math.max(maxRet, det[j]!.ret);
  }
  return cuts;
}

/** Ok ops called at or after cutTime, plus every info op (it may take effect after the cut). */
function windowFrom(ops: readonly SearchOp[], cutTime: number): SearchOp[] {
  return pruneUnobservable(ops.filter((o) => !o.det || o.call >= cutTime));
}

export function minimize(ops: readonly SearchOp[], deadEndOp: number, freshValue: number, opts: MinimizeOptions): Minimized {
  let current: SearchOp[] = failingPrefix(ops, deadEndOp);
  if (!fails(current, false, opts.search, freshValue)) current = [...ops]; // defensive: keep what is known to fail
  const prefixOps = current.length;

  // Window: binary search the latest quiescent cut that still fails from any state
  // (index 0 = no cut; failing is not strictly monotone in the cut, so the pick is re-checked).
  const cuts = quiescentCuts(current);
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (fails(windowFrom(current, cuts[mid - 1]!), true, opts.search, freshValue)) lo = mid;
    else hi = mid - 1;
  }
  let anyInitial = false;
  if (lo > 0) {
    const w = windowFrom(current, cuts[lo - 1]!);
    if (fails(w, true, opts.search, freshValue)) {
      current = w;
      anyInitial = true;
    }
  }

  // Greedy: at most two passes of single removals, so at most 2 × maxGreedyOps searches.
  if (current.length <= opts.maxGreedyOps) {
    for (let pass = 0; pass < 2; pass++) {
      let removed = false;
      for (let i = current.length - 1; i >= 0; i--) {
        if (i >= current.length) continue;
        const trial = withoutOp(current, i);
        if (trial && fails(trial, anyInitial, opts.search, freshValue)) {
          current = trial;
          removed = true;
        }
      }
      if (!removed) break;
    }
  }
  return { ops: [...current].sort((a, b) => a.call - b.call || a.source.id - b.source.id), anyInitial, prefixOps };
}

/**
 * ops without ops[i], keeping the shrunk set an honest witness (if the whole history had a
 * linearization, its restriction to the kept ops must still be one, so the kept set failing
 * proves the whole fails). Dropping a read only removes a constraint. Dropping a producer of
 * value v is refused while a kept read returns v; kept cas ops expecting v are relaxed into
 * plain writes of their new value (a weaker constraint), which keeps the argument sound.
 * null when refused.
 */
function withoutOp(ops: readonly SearchOp[], i: number): SearchOp[] | null {
  const p = produced(ops[i]!);
  const out: SearchOp[] = [];
  for (let j = 0; j < ops.length; j++) {
    if (j === i) continue;
    const o = ops[j]!;
    if (p !== undefined && consumed(o) === p) {
      if (o.kind === READ) return null;
      out.push(relaxed(o));
    } else {
      out.push(o);
    }
  }
  return out;
}

/** A cas turned into a write of its new value (it no longer needs its expected value). */
function relaxed(o: SearchOp): SearchOp {
  assert(o.kind === CAS, 'only a cas can be relaxed');
  return { ...o, kind: WRITE, a: o.b, b: 0, relaxed: true };
}
