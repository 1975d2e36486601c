/**
 * Synthetic register histories for testing and benchmarking the checker: a sequential
 * execution per key, each op's interval stretched randomly around its linearization point
 * (so the result is linearizable by construction), plus ways to break one read.
 */
import { HistoryRecorder, type HistoryEvent } from '../../history.ts';

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
 * Runs a sequential register per key. Linearization points advance by a random gap of about
 * spread/processes; each op's interval is stretched up to `spread` either side of its point,
 * without overlapping its process's previous op. Written values are unique. An info op took
 * effect or not (a coin flip). Cas ops expect the current value 70% of the time (else fail).
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

/** Replaces the value of the n-th ok read (mod the count) with a value never written: always non-linearizable. */
export function corruptRead(h: readonly HistoryEvent[], n: number): HistoryEvent[] {
  const reads = h.map((e, i) => (e.type === 'ok' && e.f === 'read' ? i : -1)).filter((i) => i >= 0);
  if (reads.length === 0) return [...h];
  const at = reads[n % reads.length]!;
  return h.map((e, i) => (i === at ? { ...e, value: 'corrupt' } : e));
}

/**
 * Makes one ok read (the first at or after position n that qualifies) return a stale value:
 * that of a write W1 such that another write W2 on the key was invoked after W1 returned and
 * returned before the read was invoked. Returns undefined when no read qualifies.
 */
export function staleRead(h: readonly HistoryEvent[], n: number): HistoryEvent[] | undefined {
  interface W { value: unknown; call: number; ret: number }
  const open = new Map<number, HistoryEvent>();
  const writes = new Map<string, W[]>();
  for (let i = 0; i < h.length; i++) {
    const e = h[i]!;
    if (e.type === 'invoke') {
      open.set(e.process, e);
      continue;
    }
    const inv = open.get(e.process)!;
    open.delete(e.process);
    if (e.type !== 'ok') continue;
    if (e.f === 'write' || e.f === 'cas') {
      const value = e.f === 'write' ? inv.value : (inv.value as unknown[])[1];
      const list = writes.get(e.key) ?? [];
      list.push({ value, call: inv.time, ret: e.time });
      writes.set(e.key, list);
    } else if (e.f === 'read' && i >= n) {
      const list = writes.get(e.key) ?? [];
      // latest W2 done before the read began, then a W1 done before W2 began
      const w2 = [...list].reverse().find((w) => w.ret < inv.time);
      const w1 = w2 && [...list].reverse().find((w) => w.ret < w2.call);
      if (w1 && w1.value !== e.value) return h.map((x, j) => (j === i ? { ...x, value: w1.value } : x));
    }
  }
  return undefined;
}
