/**
 * Blocking KV reads indexed by what they read: a single-key read is woken by a change to that
 * key, a recurse / keys read by a change under its prefix. A write then costs O(changed keys
 * x distinct prefix lengths watched) plus the reads it really concerns, instead of waking
 * every parked KV read (10,000 parked long-polls plus one write stalled the leader for
 * seconds). Consul's KV blocking queries likewise watch the radix-tree nodes of the key or
 * prefix read, not the whole table.
 *
 * Rules kept from the hub (src/core/coord/blocking.ts): a read returns at once when the KV
 * index is already past its `index`, after its wait (+ jitter up to wait/16) otherwise, and
 * never with an index at or below its `index` unless the wait ended. The index returned is
 * the KV table's (X-Consul-Index as before). Parked reads are bounded (429 past the bound);
 * wake-ups go through the pacer, and change notifications are handled after the apply, in a
 * later macrotask.
 */
import { BLOCKING_JITTER_FRACTION, BLOCKING_MAX_WAITERS } from '../../core/coord/config.ts';
import type { CoordStore } from '../../core/store/index.ts';
import { HttpError } from './errors.ts';
import { wakePacer } from './pacer.ts';
import type { QueryOptions } from './query.ts';

interface Watcher {
  readonly key: string;
  readonly prefix: boolean;
  readonly minIndex: number;
  readonly resolve: (index: number) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class KvWatch {
  private readonly exact = new Map<string, Set<Watcher>>();
  private readonly prefixes = new Map<string, Set<Watcher>>();
  /** Prefix length → how many watched prefixes have it: a changed key is matched per length. */
  private readonly prefixLengths = new Map<number, number>();
  private count = 0;
  private changedKeys = new Set<string>();
  private everything = false;
  private flushScheduled = false;
  /** Wake-ups done, and keys looked at to find them (for tests and metrics). */
  readonly stats = { woken: 0, keysExamined: 0 };

  constructor(private readonly store: CoordStore) {
    store.kv.onKeyChange((key) => this.noteChanged(key));
    // After a snapshot install any key may have changed.
    store.onRestore(() => this.wakeAll());
  }

  /** Releases every parked read whose index is behind (in a later macrotask). */
  wakeAll(): void {
    this.everything = true;
    this.scheduleFlush();
  }

  parked(): number {
    return this.count;
  }

  private index(): number {
    return Math.max(1, this.store.indexOf('kv'));
  }

  /** Resolves with the KV index once `key` (or anything under it, with `prefix`) changed past opts.minIndex, or the wait ended. */
  block(key: string, prefix: boolean, opts: QueryOptions, signal?: AbortSignal): Promise<number> {
    const now = this.index();
    if (opts.minIndex <= 0 || now > opts.minIndex || signal?.aborted === true) return Promise.resolve(now);
    if (this.count >= BLOCKING_MAX_WAITERS) return Promise.reject(new HttpError(429, 'Too many blocking queries'));
    return new Promise((resolve) => {
      const w: Watcher = { key, prefix, minIndex: opts.minIndex, resolve, timer: undefined };
      this.add(w);
      const jitter = Math.floor(opts.waitUs / BLOCKING_JITTER_FRACTION);
      const delayMs = Math.max(0, Math.round((opts.waitUs + Math.floor(Math.random() * (jitter + 1))) / 1000));
      w.timer = setTimeout(() => {
        w.timer = undefined;
        if (this.remove(w)) wakePacer.push(() => w.resolve(this.index()));
      }, delayMs);
      // A client that hung up frees its slot at once (else abandoned polls fill the bound for up to 10 min).
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.remove(w)) return;
          if (w.timer) clearTimeout(w.timer);
          w.resolve(this.index());
        },
        { once: true },
      );
    });
  }

  private add(w: Watcher): void {
    const map = w.prefix ? this.prefixes : this.exact;
    let set = map.get(w.key);
    if (!set) {
      map.set(w.key, (set = new Set()));
      if (w.prefix) this.prefixLengths.set(w.key.length, (this.prefixLengths.get(w.key.length) ?? 0) + 1);
    }
    set.add(w);
    this.count++;
  }

  private remove(w: Watcher): boolean {
    const map = w.prefix ? this.prefixes : this.exact;
    const set = map.get(w.key);
    if (!set || !set.delete(w)) return false;
    this.count--;
    if (set.size === 0) {
      map.delete(w.key);
      if (w.prefix) {
        const n = (this.prefixLengths.get(w.key.length) ?? 1) - 1;
        if (n === 0) this.prefixLengths.delete(w.key.length);
        else this.prefixLengths.set(w.key.length, n);
      }
    }
    return true;
  }

  private noteChanged(key: string): void {
    // Nothing parked: nothing to remember (a bulk delete costs nothing here then).
    if (this.count === 0) return;
    this.changedKeys.add(key);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the apply that changed the keys, never inside it.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const keys = this.changedKeys;
    this.changedKeys = new Set();
    const all = this.everything;
    this.everything = false;
    const idx = this.index();
    const wakeSet = (set: Set<Watcher> | undefined) => {
      if (!set) return;
      for (const w of [...set]) {
        if (idx <= w.minIndex) continue;
        this.remove(w);
        if (w.timer) clearTimeout(w.timer);
        this.stats.woken++;
        wakePacer.push(() => w.resolve(this.index()));
      }
    };
    if (all) {
      for (const set of [...this.exact.values(), ...this.prefixes.values()]) wakeSet(set);
      return;
    }
    for (const key of keys) {
      this.stats.keysExamined++;
      wakeSet(this.exact.get(key));
      for (const len of this.prefixLengths.keys()) if (len <= key.length) wakeSet(this.prefixes.get(key.slice(0, len)));
    }
  }
}

const watches = new WeakMap<CoordStore, KvWatch>();

/** The watch index of a store (one per store; a rebuilt node gets a new one). */
export function kvWatchFor(store: CoordStore): KvWatch {
  let w = watches.get(store);
  if (!w) watches.set(store, (w = new KvWatch(store)));
  return w;
}
