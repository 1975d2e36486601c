/**
 * Client sessions for at-most-once application (dissertation §6.3): each client numbers its
 * commands; the state machine remembers, per client, the last sequence applied and its result, so
 * a retry of the same command returns the first result instead of applying again. The table is part
 * of the replicated state (decided at apply time from the log only) and of snapshots. It is bounded:
 * the least recently used client is evicted, deterministically by log index.
 */
import { assert } from '../env.ts';

export interface SessionRecord {
  readonly client: string;
  readonly seq: number;
  readonly result: unknown;
  /** Log index of the last command of this client: the LRU key (same on every replica). */
  readonly index: number;
}

export type DedupOutcome =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly result: unknown }
  | { readonly kind: 'stale' };

export class ClientSessions {
  private readonly table = new Map<string, SessionRecord>();

  constructor(private readonly maxClients: number) {
    assert(maxClients >= 1, 'maxClients >= 1');
  }

  check(client: string, seq: number): DedupOutcome {
    const r = this.table.get(client);
    if (r === undefined || seq > r.seq) return { kind: 'new' };
    if (seq === r.seq) return { kind: 'duplicate', result: r.result };
    return { kind: 'stale' };
  }

  record(client: string, seq: number, result: unknown, index: number): void {
    this.table.delete(client); // re-insert: Map order is then LRU order by index
    this.table.set(client, { client, seq, result, index });
    if (this.table.size > this.maxClients) {
      const oldest = this.table.keys().next().value as string;
      this.table.delete(oldest);
    }
    assert(this.table.size <= this.maxClients, 'session table bound');
  }

  size(): number {
    return this.table.size;
  }

  snapshot(): SessionRecord[] {
    return [...this.table.values()];
  }

  restore(records: readonly SessionRecord[]): void {
    this.table.clear();
    for (const r of records) this.table.set(r.client, r);
  }
}
