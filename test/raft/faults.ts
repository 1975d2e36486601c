/** fast-check generators of fault schedules for Raft clusters (test helper). */
import fc from 'fast-check';
import { ms, type NodeId } from '../../src/core/env.ts';
import type { ScheduledFault } from '../../src/sim/index.ts';

/** Every generated fault starts in [0, lastStartUs] and lasts at most maxForUs: all end by their sum. */
export function faultSchedule(ids: readonly NodeId[], lastStartUs: number, maxForUs: number, maxFaults: number): fc.Arbitrary<ScheduledFault[]> {
  const node = fc.constantFrom(...ids);
  const at = fc.integer({ min: 0, max: lastStartUs });
  const dur = fc.integer({ min: ms(50), max: maxForUs });
  const split = fc.shuffledSubarray([...ids], { minLength: 1, maxLength: ids.length - 1 }).map((a) => [a, ids.filter((x) => !a.includes(x))] as const);
  const one: fc.Arbitrary<ScheduledFault[]> = fc.oneof(
    fc.tuple(at, split, fc.boolean(), dur).map(([t, [a, b], oneWay, d]) => [{ at: t, fault: { kind: 'partition', sides: [a, b], oneWay, for: d } } as ScheduledFault]),
    fc.tuple(at, node, dur).map(([t, n, d]) => [{ at: t, fault: { kind: 'isolate', target: n, for: d } } as ScheduledFault]),
    fc.tuple(at, node, dur).map(([t, n, d]) => [{ at: t, fault: { kind: 'crash', node: n, for: d } } as ScheduledFault]),
    fc.tuple(at, node, dur).map(([t, n, d]) => [{ at: t, fault: { kind: 'pause', node: n, for: d } } as ScheduledFault]),
    fc.tuple(at, node, fc.integer({ min: -ms(500), max: ms(500) }), fc.integer({ min: -1000, max: 1000 }), dur).map(([t, n, skew, ppm, d]) => [
      { at: t, fault: { kind: 'clock', node: n, skew, drift: ppm * 1e-6, for: d } } as ScheduledFault,
    ]),
    fc.tuple(at, fc.double({ min: 0.05, max: 0.5, noNaN: true }), dur).map(([t, p, d]) => [{ at: t, fault: { kind: 'loss', p, for: d } } as ScheduledFault]),
    fc.tuple(at, fc.double({ min: 0.05, max: 0.5, noNaN: true }), dur).map(([t, p, d]) => [{ at: t, fault: { kind: 'duplicate', p, for: d } } as ScheduledFault]),
    fc.tuple(at, fc.double({ min: 0.05, max: 0.5, noNaN: true }), dur).map(([t, p, d]) => [{ at: t, fault: { kind: 'reorder', p, window: ms(20), for: d } } as ScheduledFault]),
    fc.tuple(at, node, fc.integer({ min: ms(1), max: ms(100) }), dur).map(([t, n, extra, d]) => [{ at: t, fault: { kind: 'slow-node', node: n, extra, for: d } } as ScheduledFault]),
    // Majority ring: each node reaches only its two ring neighbours (for 5 nodes: itself + 2 = a majority).
    fc.tuple(at, fc.shuffledSubarray([...ids], { minLength: ids.length, maxLength: ids.length }), dur).map(([t, ring, d]) => {
      const out: ScheduledFault[] = [];
      const n = ring.length;
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) {
          const adjacent = j === i + 1 || (i === 0 && j === n - 1);
          if (!adjacent) out.push({ at: t, fault: { kind: 'partition', sides: [[ring[i]!], [ring[j]!]], for: d } });
        }
      return out;
    }),
  );
  return fc.array(one, { minLength: 1, maxLength: maxFaults }).map((xs) => xs.flat().sort((a, b) => a.at - b.at));
}
