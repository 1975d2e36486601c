/**
 * Paced wake-ups of parked blocking queries. One write can release thousands of parked
 * reads; answering them all in one turn of the event loop blocks Raft's timers and sockets
 * for as long as that takes (10,000 answers stalled a leader for seconds and cost an
 * election). The pacer releases at most WAKE_BATCH of them per macrotask (setImmediate):
 * between two batches the event loop runs its timers and I/O, so a heartbeat waits for one
 * batch at most, not for all of them.
 */
import { assert } from '../../core/env.ts';

/**
 * Answers released per turn (ours, measured with bench/hanode-stall.ts): a woken read costs
 * about 0.1-0.3 ms to answer on a loaded machine, so a batch stays within tens of
 * milliseconds, far below the heartbeat interval (200 ms) and election timeout (1 s); 256
 * showed twice the longest stall of 64 when 10,000 reads of one key woke at once.
 */
export const WAKE_BATCH = 64;

export class WakePacer {
  /** Slots before `head` are cleared (undefined) so their closures can be collected. */
  private queue: ((() => void) | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly batch: number = WAKE_BATCH) {}

  /** Runs fn in a later macrotask, after everything pushed before it. */
  push(fn: () => void): void {
    this.queue.push(fn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.run());
    }
  }

  pending(): number {
    return this.queue.length - this.head;
  }

  private run(): void {
    const end = Math.min(this.queue.length, this.head + this.batch);
    for (; this.head < end; this.head++) {
      const fn = this.queue[this.head];
      assert(fn !== undefined, 'pacer slot at head already run');
      this.queue[this.head] = undefined;
      try {
        fn();
      } catch {
        // a waiter's own failure must not stop the others
      }
    }
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.scheduled = false;
    } else setImmediate(() => this.run());
  }
}

/** The process's pacer: every HTTP blocking query is released through it. */
export const wakePacer = new WakePacer();
