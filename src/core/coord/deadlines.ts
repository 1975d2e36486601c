/**
 * A bounded set of named deadlines on node-local time, one Env timer each.
 * Used by the leader drivers: lease expiry, session TTLs, TTL checks, ZooKeeper sessions.
 */
import { assert, type Env, type Micros, type Timer } from '../env.ts';
import { MAX_CLOCK_DRIFT } from './config.ts';

/**
 * A duration of true time measured on a local clock that may run fast by up to maxDrift:
 * local elapsed = true elapsed x (1 + drift), so waiting d x (1 + maxDrift) locally lasts at
 * least d in true time. Integer microseconds, rounded up.
 */
export function padForDrift(durationUs: Micros, maxDrift: number = MAX_CLOCK_DRIFT): Micros {
  assert(Number.isInteger(durationUs) && durationUs >= 0, () => `duration ${durationUs} is not a non-negative integer`);
  assert(maxDrift >= 0 && maxDrift < 1, () => `clock drift bound ${maxDrift} out of range`);
  return durationUs + Math.ceil(durationUs * maxDrift);
}

export class Deadlines {
  private readonly entries = new Map<string, { atUs: Micros; timer: Timer }>();

  constructor(
    private readonly env: Env,
    private readonly fire: (id: string) => void,
    private readonly limit: number,
    private readonly maxDrift: number = MAX_CLOCK_DRIFT,
  ) {}

  /** Sets (or moves) id's deadline to atUs of local time. */
  set(id: string, atUs: Micros): void {
    const old = this.entries.get(id);
    if (old) old.timer.cancel();
    else assert(this.entries.size < this.limit, () => `more than ${this.limit} deadlines`);
    const timer = this.env.after(Math.max(0, atUs - this.env.now()), () => {
      const cur = this.entries.get(id);
      if (cur?.timer !== timer) return;
      this.entries.delete(id);
      this.fire(id);
    });
    this.entries.set(id, { atUs, timer });
  }

  /**
   * Sets id's deadline to at least durationUs of TRUE time from now, however fast this
   * node's clock runs (within MAX_CLOCK_DRIFT): the TTL timers use this, never set(now + ttl).
   */
  setAfter(id: string, durationUs: Micros): void {
    this.set(id, this.env.now() + padForDrift(durationUs, this.maxDrift));
  }

  get(id: string): Micros | undefined {
    return this.entries.get(id)?.atUs;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  delete(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.timer.cancel();
    this.entries.delete(id);
  }

  clear(): void {
    for (const e of this.entries.values()) e.timer.cancel();
    this.entries.clear();
  }

  size(): number {
    return this.entries.size;
  }
}
