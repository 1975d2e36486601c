/**
 * Test helpers: build histories by hand, and generate linearizable ones from a sequential
 * register execution with random overlap (each op's interval contains its linearization point).
 */
import { HistoryRecorder, type HistoryEvent } from '../../src/sim/history.ts';

/** [process, type, f, key, value, time] rows → events (sorted by time, stable). */
export type Row = [number, HistoryEvent['type'], string, string, unknown, number];
export function hist(rows: Row[]): HistoryEvent[] {
  return rows
    .map(([process, type, f, key, value, time], i) => ({ ev: { process, type, f, key, value, time }, i }))
    .sort((a, b) => a.ev.time - b.ev.time || a.i - b.i)
    .map((x) => x.ev);
}

/** A tiny seeded PRNG (mulberry32) for generators that do not go through fast-check. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenOptions {
  readonly ops: number;
  readonly processes: number;
  readonly keys: number;
  /** How far an interval may stretch either side of its linearization point (µs). */
  readonly spread: number;
  /** Probability a write/cas/delete completes as info. */
  readonly infoRate: number;
}

/**
 * Runs a sequential register per key; op i takes effect at time 10·i·spread/processes-ish
 * points; every process has one op open at a time. Writes unique values.
 */
export function linearizableHistory(rand: () => number, o: GenOptions): HistoryEvent[] {
  const rec: { t: number; ev: Omit<HistoryEvent, 'time'> & { time: number } }[] = [];
  const state = new Map<string, string | null>();
  const freeAt = new Array<number>(o.processes).fill(0);
  const procId = Array.from({ length: o.processes }, (_, i) => i);
  let nextProc = o.processes;
  let t = 0;
  let written = 0;
  for (let i = 0; i < o.ops; i++) {
    t += 1 + Math.floor(rand() * (o.spread / o.processes) * 2);
    // a process that is free by now (else wait for the earliest)
    let p = -1;
    for (let k = 0; k < o.processes; k++) {
      const c = (i + k) % o.processes;
      if (freeAt[c]! < t) {
        p = c;
        break;
      }
    }
    if (p < 0) {
      p = freeAt.indexOf(Math.min(...freeAt));
      t = freeAt[p]! + 1;
    }
    const key = `k${Math.floor(rand() * o.keys)}`;
    const cur = state.get(key) ?? null;
    const inv = Math.max(freeAt[p]! + 1, t - Math.floor(rand() * o.spread));
    const done = t + Math.floor(rand() * o.spread);
    const r = rand();
    // An info op may or may not have taken effect: decide which before applying it.
    const willInfo = r >= 0.4 && rand() < o.infoRate;
    const applies = !willInfo || rand() < 0.5;
    let f: string;
    let input: unknown;
    let output: unknown;
    let type: 'ok' | 'fail' | 'info' = 'ok';
    if (r < 0.4) {
      f = 'read';
      input = null;
      output = cur;
    } else if (r < 0.7) {
      f = 'write';
      input = `v${++written}`;
      output = input;
      if (applies) state.set(key, input as string);
    } else if (r < 0.9) {
      f = 'cas';
      const expect = rand() < 0.7 ? cur : `v${Math.floor(rand() * (written + 1))}`;
      const nv = `v${++written}`;
      input = [expect, nv];
      output = input;
      if (expect !== cur) type = 'fail';
      else if (applies) state.set(key, nv);
    } else {
      f = 'delete';
      input = null;
      output = null;
      if (applies) state.set(key, null);
    }
    if (willInfo && type === 'ok') type = 'info';
    const process = procId[p]!;
    rec.push({ t: inv, ev: { process, type: 'invoke', f, key, value: input, time: inv } });
    rec.push({ t: done, ev: { process, type, f, key, value: output, time: done } });
    freeAt[p] = done;
    if (type === 'info') procId[p] = nextProc++;
  }
  rec.sort((a, b) => a.t - b.t); // stable: an op with invoke time = completion time keeps its order
  // The recorder re-checks per-process alternation.
  const h = new HistoryRecorder();
  for (const { ev } of rec) {
    if (ev.type === 'invoke') h.invoke(ev.process, ev.f, ev.key, ev.value, ev.time);
    else h.complete(ev.process, ev.type, ev.time, ev.value);
  }
  return [...h.events()];
}
