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

/** Output of a check script kept for parsing: the seed's verify.sh prints one word. */
export const MAX_PROBE_OUTPUT_CHARS = 4096;

/**
 * Reads a check script's output (the seed's verify.sh contract: it prints UP or DOWN). The
 * first non-empty line decides, case-insensitively; anything else — empty output, an error
 * message, a truncated line — is DOWN (in the spirit of Consul script checks, where any exit
 * code other than 0 or 1 is critical: what we cannot read as healthy is not healthy).
 */
export function parseUpDown(output: string): Health {
  const text = output.length > MAX_PROBE_OUTPUT_CHARS ? output.slice(0, MAX_PROBE_OUTPUT_CHARS) : output;
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  return line !== undefined && line.toUpperCase() === 'UP' ? 'up' : 'down';
}
