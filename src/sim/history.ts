/**
 * Client histories: the contract between workloads and checkers (ours and outside ones).
 *
 * FORMAT (stable; outside tools read it as JSON lines, one event per line, in time order):
 *   { "process": 3, "type": "invoke", "f": "cas", "key": "k1", "value": ["a", "b"], "time": 1250000 }
 * - process: integer; a logical single-threaded client. A process has at most one operation
 *   outstanding. After an `info` completion the process never issues again (the op may still
 *   be in flight forever), so workloads continue under a fresh process number, as in Jepsen.
 * - type: 'invoke' opens an operation; 'ok' (it happened), 'fail' (it definitely did not
 *   happen) or 'info' (unknown: it may or may not have happened, at any time after invoke)
 *   closes the process's open operation.
 * - f: 'read' | 'write' | 'cas' | 'delete' (others allowed for other models).
 * - key: the register the operation touches.
 * - value: on invoke, the input: write → the value, cas → [expected, new], read/delete → null.
 *   On an ok read, the value read (null when the key was missing). On other completions,
 *   the invoke's value is repeated (informational).
 * - time: integer microseconds of TRUE (global) virtual time — never a node's skewed clock.
 */
import { assert, type Micros } from '../core/env.ts';

export type HistoryType = 'invoke' | 'ok' | 'fail' | 'info';
export type CompletionType = Exclude<HistoryType, 'invoke'>;

export interface HistoryEvent {
  readonly process: number;
  readonly type: HistoryType;
  readonly f: string;
  readonly key: string;
  readonly value: unknown;
  readonly time: Micros;
}

/** One operation: an invoke joined with its completion (absent when the history ended first). */
export interface Operation {
  /** Position in invoke order (stable id for reports). */
  readonly id: number;
  readonly process: number;
  readonly f: string;
  readonly key: string;
  /** The invoke's value (input). */
  readonly input: unknown;
  /** The completion's value (the read result for an ok read). */
  readonly output: unknown;
  /** ok | fail | info; a missing completion counts as info. */
  readonly status: CompletionType;
  readonly invokeTime: Micros;
  /** Completion time; Infinity for info (the op may take effect any time after invoke). */
  readonly completeTime: Micros;
}

/** Bound on recorded events (a run that records more is a runaway workload). */
export const HISTORY_MAX_EVENTS = 10_000_000;

export class HistoryRecorder {
  private readonly log: HistoryEvent[] = [];
  /** Open operation of each process. */
  private readonly open = new Map<number, HistoryEvent>();
  /** Processes that ended with info: they must never invoke again. */
  private readonly retired = new Set<number>();

  invoke(process: number, f: string, key: string, value: unknown, time: Micros): void {
    assert(Number.isInteger(process) && process >= 0, () => `process must be a natural number, got ${process}`);
    assert(!this.open.has(process), () => `process ${process} invoked while an operation is open`);
    assert(!this.retired.has(process), () => `process ${process} invoked after an info completion`);
    const ev: HistoryEvent = { process, type: 'invoke', f, key, value, time };
    this.push(ev);
    this.open.set(process, ev);
  }

  /** Closes the process's open operation. `value` defaults to the invoke's value. */
  complete(process: number, type: CompletionType, time: Micros, value?: unknown): void {
    const inv = this.open.get(process);
    assert(inv !== undefined, () => `process ${process} completed with no open operation`);
    assert(time >= inv.time, () => `process ${process} completed before it invoked`);
    this.open.delete(process);
    if (type === 'info') this.retired.add(process);
    this.push({ process, type, f: inv.f, key: inv.key, value: value === undefined ? inv.value : value, time });
  }

  /** Whether the process has an open operation. */
  isOpen(process: number): boolean {
    return this.open.has(process);
  }

  /** Closes every open operation as info at `time` (call at the end of a run). */
  closeAll(time: Micros): void {
    for (const p of [...this.open.keys()].sort((a, b) => a - b)) this.complete(p, 'info', time);
  }

  events(): readonly HistoryEvent[] {
    return this.log;
  }

  size(): number {
    return this.log.length;
  }

  toJsonLines(): string {
    return this.log.map((e) => JSON.stringify(e)).join('\n') + (this.log.length ? '\n' : '');
  }

  private push(ev: HistoryEvent): void {
    assert(this.log.length < HISTORY_MAX_EVENTS, 'history too long');
    const last = this.log[this.log.length - 1];
    assert(!last || ev.time >= last.time, () => `history event at ${ev.time} before the previous one at ${last!.time}`);
    this.log.push(ev);
  }
}

/** Parses JSON lines back into events (blank lines skipped). */
export function parseJsonLines(text: string): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as HistoryEvent;
    assert(
      Number.isInteger(e.process) && ['invoke', 'ok', 'fail', 'info'].includes(e.type) && typeof e.f === 'string' && typeof e.key === 'string' && typeof e.time === 'number',
      () => `bad history line: ${line}`,
    );
    out.push(e);
  }
  return out;
}

/**
 * Joins invokes with completions per process. Events need not be sorted by time across
 * processes, but each process's events must alternate invoke / completion.
 */
export function pairOperations(events: readonly HistoryEvent[]): Operation[] {
  const open = new Map<number, { ev: HistoryEvent; id: number }>();
  const ops: (Operation | undefined)[] = [];
  let nextId = 0;
  for (const ev of events) {
    if (ev.type === 'invoke') {
      assert(!open.has(ev.process), () => `process ${ev.process} invoked twice without completing`);
      open.set(ev.process, { ev, id: nextId++ });
      ops.push(undefined);
      continue;
    }
    const o = open.get(ev.process);
    assert(o !== undefined, () => `process ${ev.process} completed (${ev.type} at ${ev.time}) with nothing open`);
    open.delete(ev.process);
    assert(ev.time >= o.ev.time, () => `process ${ev.process} completed before it invoked`);
    ops[o.id] = {
      id: o.id,
      process: ev.process,
      f: o.ev.f,
      key: o.ev.key,
      input: o.ev.value,
      output: ev.value,
      status: ev.type,
      invokeTime: o.ev.time,
      completeTime: ev.type === 'info' ? Infinity : ev.time,
    };
  }
  for (const { ev, id } of open.values()) {
    ops[id] = { id, process: ev.process, f: ev.f, key: ev.key, input: ev.value, output: undefined, status: 'info', invokeTime: ev.time, completeTime: Infinity };
  }
  return ops as Operation[];
}
