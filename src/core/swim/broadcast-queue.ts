/**
 * Transmit-limited broadcast queue (memberlist queue.go TransmitLimitedQueue, our own
 * layout): updates waiting to be piggybacked, each sent at most `limit` times, the least
 * sent first and, among equals, the newest first. A newer update with the same key
 * replaces the older one (a newer incarnation of a member invalidates its older news).
 *
 * Layout for allocation-light selection: one bucket per transmit count, each bucket in
 * arrival order; taking scans buckets from 0 upward, each from its newest end.
 */
import { assert } from '../env.ts';

interface Item<T> {
  readonly key: string;
  readonly value: T;
  readonly size: number;
  transmits: number;
  live: boolean;
  /** Replaced or pruned (rather than sent out): counted in `stale` until compacted away. */
  killed: boolean;
}

/** Items too big for the rest of the packet skipped before giving up on this packet. */
const MAX_MISFITS = 16;

export class BroadcastQueue<T> {
  private readonly buckets: Item<T>[][] = [[]];
  private readonly byKey = new Map<string, Item<T>>();
  private stale = 0;
  /** Items moved up a bucket during one take(); appended after it so they are not re-taken. */
  private readonly moved: Item<T>[] = [];

  constructor(
    private readonly maxItems: number,
    /** Smallest item ever queued: a packet with less room left than this is full. */
    private readonly minItemBytes = 1,
  ) {
    assert(maxItems >= 1 && minItemBytes >= 1, 'broadcast queue: positive bounds');
  }

  get length(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): T | undefined {
    return this.byKey.get(key)?.value;
  }

  /** Queues value under key, replacing any older value with that key. */
  push(key: string, value: T, size: number): void {
    assert(size > 0, 'broadcast queue: positive size');
    const old = this.byKey.get(key);
    if (old !== undefined) this.kill(old);
    const item: Item<T> = { key, value, size, transmits: 0, live: true, killed: false };
    this.byKey.set(key, item);
    this.buckets[0]!.push(item);
    if (this.byKey.size > this.maxItems) this.prune();
    if (this.stale > 64 && this.stale > this.byKey.size) this.compactAll();
  }

  /** Drops the item with this key, if any. */
  remove(key: string): void {
    const old = this.byKey.get(key);
    if (old !== undefined) this.kill(old);
  }

  /**
   * Appends to `out` the updates that fit in budgetBytes, least sent and newest first,
   * counting a transmission for each; an item sent `limit` times leaves the queue.
   * Returns the bytes used.
   */
  take(budgetBytes: number, limit: number, out: T[]): number {
    assert(limit >= 1, 'broadcast queue: limit >= 1');
    if (this.byKey.size === 0) return 0;
    let remaining = budgetBytes;
    const buckets = this.buckets;
    for (let t = 0; t < buckets.length && remaining >= this.minItemBytes; t++) {
      const b = buckets[t]!;
      let touched = false;
      let lowest = b.length;
      let misfits = 0;
      for (let i = b.length - 1; i >= 0 && remaining >= this.minItemBytes && misfits < MAX_MISFITS; i--) {
        const item = b[i]!;
        lowest = i;
        if (!item.live) {
          touched = true;
          continue;
        }
        if (item.size > remaining) {
          misfits++;
          continue;
        }
        out.push(item.value);
        remaining -= item.size;
        item.transmits++;
        touched = true;
        if (item.transmits >= limit) {
          item.live = false;
          this.byKey.delete(item.key);
        } else {
          this.moved.push(item);
        }
      }
      if (touched) {
        // stable compaction of the scanned tail keeps arrival order ("newest first" stays true)
        let w = lowest;
        let killed = 0;
        for (let i = lowest; i < b.length; i++) {
          const item = b[i]!;
          if (item.live && item.transmits === t) b[w++] = item;
          else if (item.killed) killed++;
        }
        this.stale -= killed;
        if (this.stale < 0) this.stale = 0;
        b.length = w;
      }
    }
    // taken newest first; appended oldest first so each bucket stays in arrival order
    for (let i = this.moved.length - 1; i >= 0; i--) {
      const item = this.moved[i]!;
      while (this.buckets.length <= item.transmits) this.buckets.push([]);
      this.buckets[item.transmits]!.push(item);
    }
    this.moved.length = 0;
    return budgetBytes - remaining;
  }

  clear(): void {
    for (const b of this.buckets) b.length = 0;
    this.byKey.clear();
    this.stale = 0;
  }

  private kill(item: Item<T>): void {
    item.live = false;
    item.killed = true;
    this.byKey.delete(item.key);
    this.stale++;
  }

  /** Drops the most-sent, oldest items until within bound. */
  private prune(): void {
    for (let t = this.buckets.length - 1; t >= 0 && this.byKey.size > this.maxItems; t--) {
      for (const item of this.buckets[t]!) {
        if (this.byKey.size <= this.maxItems) break;
        if (item.live && item.transmits === t) this.kill(item);
      }
    }
    this.compactAll();
    assert(this.byKey.size <= this.maxItems, 'broadcast queue: within bound after prune');
  }

  private compactAll(): void {
    for (const b of this.buckets) {
      let w = 0;
      for (let i = 0; i < b.length; i++) {
        const item = b[i]!;
        if (item.live) b[w++] = item;
      }
      b.length = w;
    }
    this.stale = 0;
  }
}
