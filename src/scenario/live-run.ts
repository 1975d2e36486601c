/**
 * What the TUI drives: a scenario run that can be advanced a little at a time, inspected,
 * and poked with faults. The scenario runner provides it (prepareRun in src/scenario).
 */
import type { Micros } from '../core/env.ts';
import type { World } from '../sim/index.ts';

export interface LiveTimelineItem {
  readonly t: Micros;
  readonly node?: string;
  readonly category: string;
  readonly text: string;
}

export interface LiveVerdict {
  readonly name: string;
  /** The expectation's kind (e.g. "raft-safety"): tells a final failure from a pending one. */
  readonly kind?: string;
  readonly passed: boolean;
  readonly status?: string;
  readonly detail: string;
}

export interface LiveRun {
  readonly scenarioName: string;
  readonly seed: number;
  readonly world: World;
  /** The scenario's planned end. */
  readonly endUs: Micros;
  /** Runs every event up to time t (bounded by the end); stops early if a core throws. */
  advanceTo(t: Micros): void;
  /** Runs one event; false if there was none or the run has stopped. */
  step(): boolean;
  /** The run stopped because a core threw: the message. */
  error(): string | undefined;
  /** Timeline items added since the last call. */
  drainTimeline(): LiveTimelineItem[];
  /** Every expectation evaluated on what has happened so far. */
  verdicts(): LiveVerdict[];
}
