/**
 * checkLinearizability: is a KV client history linearizable, with a register per key?
 *
 * P-compositionality (Herlihy & Wing; used by Porcupine after Horn & Kroening): a history
 * is linearizable iff each key's sub-history is, so keys are checked one by one, each with
 * the memoised Wing & Gong search (search.ts), after a fast sound pre-check for simple
 * anomalies (quick-check.ts) whose witness is already small. On a search failure the first
 * failing key (in key order) is shrunk to a small counterexample (minimize.ts).
 */
import { assert, type Micros } from '../../../core/env.ts';
import { pairOperations, type HistoryEvent, type Operation } from '../../history.ts';
import { minimize } from './minimize.ts';
import { quickViolation } from './quick-check.ts';
import { ValueTable, pruneUnobservable, toSearchOp, ABSENT, type SearchOp } from './model.ts';
import { DEFAULT_SEARCH_OPTIONS, searchRegister, type SearchOptions } from './search.ts';

export interface LinearizabilityOptions {
  /** Search bounds per key (steps, cache memory); past them the key is 'unknown'. */
  readonly search?: Partial<SearchOptions>;
  /** Shrink the first failing key to a counterexample (default true). */
  readonly minimize?: boolean;
  /** Greedy shrinking runs on windows up to this many ops (default 200). */
  readonly maxGreedyOps?: number;
  /** Run the fast pre-check for simple anomalies before the search (default true; off to exercise the search). */
  readonly quickCheck?: boolean;
}

export interface KeyVerdict {
  readonly key: string;
  /** Ops of this key that constrain the search (after dropping failed ops and unobservable info ops). */
  readonly ops: number;
  readonly outcome: 'ok' | 'fail' | 'unknown';
  readonly steps: number;
  readonly configurations: number;
}

export interface Counterexample {
  readonly key: string;
  /** The operations that cannot be ordered, by invoke time. */
  readonly ops: readonly Operation[];
  /** true: the ops fail from ANY starting value of the register (earlier ops were cut away). */
  readonly anyInitial: boolean;
  /** Size of the failing prefix the counterexample was shrunk from. */
  readonly prefixOps: number;
  /** Ids of cas ops whose expected value the shrunk witness no longer needs (it acts as a write). */
  readonly relaxedOps: readonly number[];
}

export interface LinearizabilityResult {
  /** true: linearizable; false: not (see counterexample); 'unknown': a key hit the search bounds. */
  readonly valid: boolean | 'unknown';
  readonly opCount: number;
  readonly keys: readonly KeyVerdict[];
  readonly counterexample?: Counterexample;
  readonly steps: number;
}

/** Accepts raw history events or already paired operations. */
export function checkLinearizability(
  history: readonly HistoryEvent[] | readonly Operation[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const ops: readonly Operation[] = history.length > 0 && 'type' in history[0]! ? pairOperations(history as HistoryEvent[]) : (history as Operation[]);
  const search: SearchOptions = { ...DEFAULT_SEARCH_OPTIONS, ...options.search };
  const values = new ValueTable();
  const byKey = new Map<string, SearchOp[]>();
  for (const op of ops) {
    const s = toSearchOp(op, values);
    if (!s) continue;
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(s);
  }
  const keys = [...byKey.keys()].sort();
  const verdicts: KeyVerdict[] = [];
  let steps = 0;
  let counterexample: Counterexample | undefined;
  let anyUnknown = false;
  let anyFail = false;
  for (const key of keys) {
    const keyOps = pruneUnobservable(byKey.get(key)!).sort((a, b) => a.call - b.call || a.source.id - b.source.id);
    const quick = options.quickCheck === false ? null : quickViolation(keyOps);
    if (quick) {
      // Sound on its own; the witness is re-checked by the exact search (it is tiny).
      assert(searchRegister(quick.ops, ABSENT, search).outcome === 'fail', () => `quick check witness on ${key} is linearizable`);
      verdicts.push({ key, ops: keyOps.length, outcome: 'fail', steps: 0, configurations: 0 });
      anyFail = true;
      counterexample ??= { key, ops: quick.ops.map((o) => o.source), anyInitial: false, prefixOps: keyOps.length, relaxedOps: [] };
      continue;
    }
    const r = searchRegister(keyOps, ABSENT, search);
    steps += r.steps;
    verdicts.push({ key, ops: keyOps.length, outcome: r.outcome, steps: r.steps, configurations: r.configurations });
    if (r.outcome === 'unknown') anyUnknown = true;
    if (r.outcome === 'fail') {
      anyFail = true;
      if (!counterexample) {
        if (options.minimize === false) {
          counterexample = { key, ops: [], anyInitial: false, prefixOps: keyOps.length, relaxedOps: [] };
        } else {
          const m = minimize(keyOps, r.deadEndOp, values.size() + 1, { search, maxGreedyOps: options.maxGreedyOps ?? 200 });
          counterexample = {
            key,
            ops: m.ops.map((o) => o.source),
            anyInitial: m.anyInitial,
            prefixOps: m.prefixOps,
            relaxedOps: m.ops.filter((o) => o.relaxed).map((o) => o.source.id),
          };
        }
      }
    }
  }
  return {
    valid: anyFail ? false : anyUnknown ? 'unknown' : true,
    opCount: ops.length,
    keys: verdicts,
    ...(counterexample ? { counterexample } : {}),
    steps,
  };
}

function fmtTime(t: Micros): string {
  return Number.isFinite(t) ? `${(t / 1e6).toFixed(6)}s` : '∞';
}

function fmtOp(o: Operation): string {
  const shown = o.f === 'read' ? `→ ${JSON.stringify(o.status === 'ok' ? o.output : '?')}` : JSON.stringify(o.input);
  return `  op#${o.id} p${o.process} ${o.f.padEnd(6)} ${o.key} ${shown} ${o.status}  [${fmtTime(o.invokeTime)} .. ${fmtTime(o.completeTime)}]`;
}

/** A human-readable verdict with the counterexample, for test failures and reports. */
export function describeLinearizability(r: LinearizabilityResult): string {
  const failed = r.keys.filter((k) => k.outcome === 'fail').map((k) => k.key);
  const unknown = r.keys.filter((k) => k.outcome === 'unknown').map((k) => k.key);
  const lines = [
    `linearizability: ${r.valid === true ? 'OK' : r.valid === false ? 'NOT LINEARIZABLE' : 'UNKNOWN (search bound hit)'} — ${r.opCount} ops, ${r.keys.length} keys, ${r.steps} search steps`,
  ];
  if (failed.length) lines.push(`failing keys: ${failed.join(', ')}`);
  if (unknown.length) lines.push(`undecided keys: ${unknown.join(', ')}`);
  const c = r.counterexample;
  if (c) {
    lines.push(
      `counterexample on key ${JSON.stringify(c.key)}: these ${c.ops.length} ops cannot be ordered` +
        (c.anyInitial ? ' from any starting value' : ' starting from an absent key') +
        ` (shrunk from a failing prefix of ${c.prefixOps} ops):`,
    );
    for (const o of c.ops) lines.push(fmtOp(o) + (c.relaxedOps.includes(o.id) ? '  (its expected value is not needed: read it as a write)' : ''));
  }
  return lines.join('\n');
}
