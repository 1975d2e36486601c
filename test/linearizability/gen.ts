/** Test helpers: hand-built histories; synthetic ones come from the checker's synthetic module. */
import type { HistoryEvent } from '../../src/sim/history.ts';
import { randomStream } from '../../src/sim/index.ts';
export { linearizableHistory, corruptRead, staleRead } from '../../src/sim/checkers/linearizability/synthetic.ts';

/** [process, type, f, key, value, time] rows → events (sorted by time, stable). */
export type Row = [number, HistoryEvent['type'], string, string, unknown, number];
export function hist(rows: Row[]): HistoryEvent[] {
  return rows
    .map(([process, type, f, key, value, time], i) => ({ ev: { process, type, f, key, value, time }, i }))
    .sort((a, b) => a.ev.time - b.ev.time || a.i - b.i)
    .map((x) => x.ev);
}

/** A seeded uniform [0, 1) source for the generators. */
export function prng(seed: number): () => number {
  const r = randomStream(seed, 'linearizability-test');
  return () => r.next();
}
