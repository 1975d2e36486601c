/**
 * Parks blocking queries until a table they read changes. One listener on the store fans
 * out to the parked waiters (the store allows only a handful of listeners), and every waiter
 * has a real-time deadline. Lives on the I/O side: it uses wall-clock timers.
 */
import { BLOCKING_MAX_WAITERS } from '../../core/coord/config.ts';
import type { CoordStore, Topic } from '../../core/store/index.ts';
import { HttpError } from './errors.ts';

interface Waiter {
  readonly topics: readonly Topic[];
  readonly wake: () => void;
}

export class WaitHub {
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(store: CoordStore) {
    this.unsubscribe.push(
      store.onApply((entry) => {
        if (entry.topics.length === 0) return;
        for (const w of [...this.waiters]) if (w.topics.some((t) => entry.topics.includes(t))) w.wake();
      }),
      // A snapshot install changes everything at once.
      store.onRestore(() => {
        for (const w of [...this.waiters]) w.wake();
      }),
    );
  }

  get parked(): number {
    return this.waiters.size;
  }

  /** Resolves true when one of `topics` changed, false after `timeoutMs`. */
  wait(topics: readonly Topic[], timeoutMs: number): Promise<boolean> {
    if (this.waiters.size >= BLOCKING_MAX_WAITERS) {
      return Promise.reject(new HttpError(429, 'Too many blocking queries'));
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        topics,
        wake: () => {
          this.waiters.delete(w);
          if (timer) clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.add(w);
      timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, Math.max(0, timeoutMs));
    });
  }

  /** Wakes every waiter (shutdown). */
  close(): void {
    for (const w of [...this.waiters]) w.wake();
    for (const u of this.unsubscribe) u();
  }
}
