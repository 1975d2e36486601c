/**
 * Follower reads waiting for the leader's read index (etcd forwards MsgReadIndex to the leader the
 * same way; dissertation §6.4 "followers"): each has an id the leader echoes, a deadline, and a
 * timer that fails it if no answer comes. Once answered, the read waits in the node's ReadQueue for
 * the local apply index to reach the confirmed one.
 */
import type { Micros, Timer } from '../env.ts';
import type { ReadResult } from './api.ts';

export interface ForwardedRead {
  readonly deadlineUs: Micros;
  readonly timer: Timer;
  readonly done: (r: ReadResult) => void;
}

export class ForwardedReads {
  private readonly waiting = new Map<number, ForwardedRead>();
  private seq = 0;

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Registers a read asked at `nowUs`; returns the id to send to the leader. `after` arms its
   * timeout, which hands `done` to `onTimeout` unless the answer came first.
   */
  add(nowUs: Micros, timeoutUs: Micros, after: (delayUs: Micros, fn: () => void) => Timer, done: (r: ReadResult) => void, onTimeout: (done: (r: ReadResult) => void) => void): number {
    const id = ++this.seq;
    const deadlineUs = nowUs + timeoutUs;
    const timer = after(timeoutUs, () => {
      if (this.waiting.delete(id)) onTimeout(done);
    });
    this.waiting.set(id, { deadlineUs, timer, done });
    return id;
  }

  /** The read the leader answered (its timer cancelled), or undefined if it timed out already. */
  take(id: number): ForwardedRead | undefined {
    const f = this.waiting.get(id);
    if (f === undefined) return undefined;
    this.waiting.delete(id);
    f.timer.cancel();
    return f;
  }

  /** Every waiting read, their timers cancelled (the node stops). */
  takeAll(): ForwardedRead[] {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const f of all) f.timer.cancel();
    return all;
  }
}
