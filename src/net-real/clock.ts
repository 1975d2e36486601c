/**
 * The wall clock and Node timers, in the Env's units (integer microseconds).
 *
 * now() is monotonic (performance.now) but anchored at the Unix epoch via
 * performance.timeOrigin, so times in traces of different processes are roughly comparable;
 * ~1.7e15 µs stays far below Number.MAX_SAFE_INTEGER.
 *
 * Timers never fire early by our own clock: Node rounds to milliseconds and its loop time
 * may lag performance.now(), so a timer that wakes before its due time re-arms for the rest.
 * Delays above setTimeout's 2^31-1 ms limit (which Node would turn into 1 ms) are chained.
 * A zero delay ("after everything already due", e.g. Raft's group commit of all appends of
 * this turn) uses setImmediate: it runs after the current I/O callbacks, where setTimeout(0)
 * would wait at least a millisecond and add it to every commit round.
 */
import type { Micros, Timer } from '../core/env.ts';

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Bound on re-arms of one timer: chained long delays + early wake-ups; 2^31 ms * 1000 covers ~68 years. */
const MAX_REARMS = 1000;

export interface Clock {
  now(): Micros;
  after(delay: Micros, fn: () => void): Timer;
}

export class RealClock implements Clock {
  now(): Micros {
    return Math.floor((performance.timeOrigin + performance.now()) * 1000);
  }

  after(delay: Micros, fn: () => void): Timer {
    if (!(delay >= 0)) throw new RangeError(`timer delay must be >= 0, got ${delay}`);
    if (delay === 0) return immediate(fn);
    const due = this.now() + Math.ceil(delay);
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    let rearms = 0;
    const arm = (remainingUs: number): void => {
      handle = setTimeout(fire, Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(remainingUs / 1000))));
    };
    const fire = (): void => {
      if (cancelled) return;
      const remaining = due - this.now();
      if (remaining > 0 && rearms++ < MAX_REARMS) {
        arm(remaining);
        return;
      }
      cancelled = true; // fired: a later cancel() is a no-op
      fn();
    };
    arm(delay);
    return {
      cancel(): void {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  }
}

function immediate(fn: () => void): Timer {
  let cancelled = false;
  const handle = setImmediate(() => {
    if (cancelled) return;
    cancelled = true;
    fn();
  });
  return {
    cancel(): void {
      cancelled = true;
      clearImmediate(handle);
    },
  };
}
