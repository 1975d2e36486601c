/**
 * How a node checks a target. In the simulator a scripted health model per DC answers; in
 * hanode a user script printing UP/DOWN, or an HTTP / TCP probe (src/net-real) does. The
 * scheduler owns the timeout: a probe may answer late or never, and a late answer is ignored.
 */
import type { Micros } from '../env.ts';
import type { Health, TargetConfig } from './types.ts';

export interface ProbeHandle {
  /** Stops the check (the scheduler calls it on timeout or when the target is deleted). */
  cancel(): void;
}

export interface Probe {
  /**
   * Starts one check of `target`; calls `done` at most once, from within an Env event
   * (never synchronously re-entering the scheduler is not required: the scheduler copes).
   */
  check(target: TargetConfig, timeoutUs: Micros, done: (status: Health) => void): ProbeHandle;
}
