/**
 * The determinism check (after madsim/turmoil): run the same scenario and seed twice, and
 * compare the traces event by event; report the first event that differs. Same seed, same
 * scenario, same build must give a byte-identical trace.
 */
import type { TraceEvent } from '../sim/types.ts';
import { runScenario } from './runner.ts';
import type { Scenario } from './types.ts';

export interface DeterminismReport {
  readonly seed: number;
  readonly identical: boolean;
  readonly hashes: readonly [string, string];
  readonly events: readonly [number, number];
  /** The first index at which the recorded traces differ, with both events (JSON). */
  readonly divergence?: { readonly index: number; readonly first: string; readonly second: string };
}

function canonical(ev: TraceEvent | undefined): string {
  return ev === undefined ? '(end of trace)' : JSON.stringify(ev);
}

/** The first index at which two traces differ (a missing event counts), with both events. */
export function firstDivergence(ta: readonly TraceEvent[], tb: readonly TraceEvent[]): DeterminismReport['divergence'] {
  const n = Math.max(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = canonical(ta[i]);
    const y = canonical(tb[i]);
    if (x !== y) return { index: i, first: x, second: y };
  }
  return undefined;
}

export function checkDeterminism(sc: Scenario, seed: number): DeterminismReport {
  const a = runScenario(sc, { seed, recordTrace: true });
  const b = runScenario(sc, { seed, recordTrace: true });
  const ta = a.trace ?? [];
  const tb = b.trace ?? [];
  const divergence = firstDivergence(ta, tb);
  const identical = a.traceHash === b.traceHash && divergence === undefined;
  return {
    seed,
    identical,
    hashes: [a.traceHash, b.traceHash],
    events: [ta.length, tb.length],
    ...(divergence ? { divergence } : {}),
  };
}
