/**
 * A bounded set of named deadlines on node-local time, one Env timer each.
 * Used by the leader drivers: lease expiry, session TTLs, TTL checks, ZooKeeper sessions.
 */
import { assert, type Env, type Micros, type Timer } from '../env.ts';

export class Deadlines {
  private readonly entries = new Map<string, { atUs: Micros; timer: Timer }>();

  constructor(
    private readonly env: Env,
    private readonly fire: (id: string) => void,
    private readonly limit: number,
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
