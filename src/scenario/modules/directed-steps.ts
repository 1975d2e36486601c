/**
 * The polling step of the directed nemeses (raft-figure8.ts, raft-vote-in-lease.ts): wait for a
 * precondition on the simulated state, checked every POLL_US of virtual time, for at most
 * `limitUs` (never past the run's end), then act — or give up. Deterministic: it reads the
 * simulated state at simulated instants only.
 */
import type { Micros } from '../../core/env.ts';

/** How often a step re-checks its precondition (virtual time). */
export const POLL_US: Micros = 2_000;

interface Clock {
  now(): Micros;
  after(d: Micros, fn: () => void): unknown;
}

export function waitFor<T>(w: Clock, limitUs: Micros, endUs: Micros, ready: () => T | undefined, then: (v: T) => void, giveUp: () => void): void {
  const deadline = Math.min(w.now() + limitUs, endUs);
  const poll = () => {
    const v = ready();
    if (v !== undefined) return then(v);
    if (w.now() + POLL_US > deadline) return giveUp();
    w.after(POLL_US, poll);
  };
  poll();
}
