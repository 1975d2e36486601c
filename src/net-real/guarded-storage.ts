/**
 * The Env's view of a storage on a real host. A storage's asynchronous sync completes from the
 * event loop (an fsync callback), outside any timer or delivery of the host: this view runs the
 * completion only while the incarnation that asked is alive, and through the host's error guard,
 * as RealHost does for timers. Every other call goes straight to the storage.
 */
import type { Storage, StorageDamage } from '../core/env.ts';

export class GuardedStorage implements Storage {
  readonly syncAsync?: (done: () => void) => void;

  constructor(
    private readonly s: Storage,
    /** Wraps a completion: runs it only while the incarnation lives, errors through the host's guard. */
    guard: (done: () => void) => () => void,
  ) {
    if (s.syncAsync !== undefined) this.syncAsync = (done) => s.syncAsync!(guard(done));
  }

  load<T = unknown>(key: string): T | undefined {
    return this.s.load<T>(key);
  }
  save(key: string, value: unknown): void {
    this.s.save(key, value);
  }
  remove(key: string): void {
    this.s.remove(key);
  }
  first(): number {
    return this.s.first();
  }
  last(): number {
    return this.s.last();
  }
  get<T = unknown>(i: number): T {
    return this.s.get<T>(i);
  }
  slice<T = unknown>(from: number, toExclusive: number): T[] {
    return this.s.slice<T>(from, toExclusive);
  }
  append(records: readonly unknown[]): void {
    this.s.append(records);
  }
  truncateFrom(i: number): void {
    this.s.truncateFrom(i);
  }
  compactTo(i: number): void {
    this.s.compactTo(i);
  }
  sync(): void {
    this.s.sync();
  }
  damage(): StorageDamage | undefined {
    return this.s.damage?.();
  }
}
