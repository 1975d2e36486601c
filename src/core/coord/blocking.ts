/**
 * BlockingHub: Consul-style blocking reads on one node.
 *
 * A read "at index N, wait W" parks until the topic's index exceeds N or W (plus a random
 * jitter of up to W/16, as Consul) passes on the node's clock; then the callback reads the
 * store and returns the index it reflects. The index returned is never below N when N came
 * from this store: indexes only grow. Waiters are bounded; none outlives its wait.
 */
import { assert, type Env, type Micros, type Timer } from '../env.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { Topic } from '../store/effects.ts';
import { BLOCKING_DEFAULT_WAIT_US, BLOCKING_JITTER_FRACTION, BLOCKING_MAX_WAITERS, BLOCKING_MAX_WAIT_US } from './config.ts';

interface Waiter {
  readonly topic: Topic;
  /** The read's own index (e.g. a KV prefix's); the topic index when absent. */
  readonly indexFn: (() => number) | undefined;
  readonly minIndex: number;
  readonly done: (index: number, timedOut: boolean) => void;
  timer: Timer | undefined;
}

export class BlockingHub {
  private readonly waiters = new Map<Topic, Set<Waiter>>();
  private count = 0;

  constructor(
    private readonly env: Env,
    private readonly store: CoordStore,
  ) {
    store.onApply((e) => {
      for (const t of e.topics) this.wake(t);
    });
    // After a snapshot install every topic may have moved.
    store.onRestore(() => {
      for (const t of [...this.waiters.keys()]) this.wake(t);
    });
  }

  /** Consul never returns index 0 (clients treat it as "no blocking"); neither do we. */
  indexOf(topic: Topic): number {
    return Math.max(1, this.store.indexOf(topic));
  }

  /**
   * Runs `done(index, timedOut)` once the topic's index is > minIndex, or after the wait.
   * minIndex 0 returns at once. Returns false (and calls nothing) when the hub is full.
   */
  wait(topic: Topic, minIndex: number, waitUs: Micros | undefined, done: (index: number, timedOut: boolean) => void): boolean {
    return this.waitFor(topic, undefined, minIndex, waitUs, done);
  }

  /**
   * Like wait(), with the read's own index: `indexFn` (re-evaluated when the topic changes)
   * must never decrease and must be <= the topic's index, e.g. CoordStore.kvIndex(prefix).
   */
  waitFor(topic: Topic, indexFn: (() => number) | undefined, minIndex: number, waitUs: Micros | undefined, done: (index: number, timedOut: boolean) => void): boolean {
    const read = () => Math.max(1, indexFn ? indexFn() : this.store.indexOf(topic));
    const cur = read();
    if (minIndex <= 0 || cur > minIndex) {
      done(cur, false);
      return true;
    }
    if (this.count >= BLOCKING_MAX_WAITERS) return false;
    const base = Math.min(Math.max(0, waitUs ?? BLOCKING_DEFAULT_WAIT_US), BLOCKING_MAX_WAIT_US);
    const jitter = Math.floor(base / BLOCKING_JITTER_FRACTION);
    const delay = base + (jitter > 0 ? this.env.random.int(jitter + 1) : 0);
    const w: Waiter = { topic, indexFn, minIndex, done, timer: undefined };
    let set = this.waiters.get(topic);
    if (!set) this.waiters.set(topic, (set = new Set()));
    set.add(w);
    this.count++;
    w.timer = this.env.after(delay, () => {
      if (!this.remove(w)) return;
      w.done(read(), true);
    });
    return true;
  }

  parked(): number {
    return this.count;
  }

  private remove(w: Waiter): boolean {
    const set = this.waiters.get(w.topic);
    if (!set || !set.delete(w)) return false;
    this.count--;
    assert(this.count >= 0, 'blocking waiter count went negative');
    if (set.size === 0) this.waiters.delete(w.topic);
    return true;
  }

  private wake(topic: Topic): void {
    const set = this.waiters.get(topic);
    if (!set) return;
    const topicIdx = this.indexOf(topic);
    for (const w of [...set]) {
      const idx = w.indexFn ? Math.max(1, w.indexFn()) : topicIdx;
      if (idx <= w.minIndex) continue;
      this.remove(w);
      w.timer?.cancel();
      assert(idx > w.minIndex, 'woke a blocking read before its index');
      w.done(idx, false);
    }
  }
}
