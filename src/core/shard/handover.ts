/**
 * Source side of a rebalancing: the primary of an old group hands every key it no longer owns
 * to the primary of the group being added, as ordinary replicated puts flagged `migrate`, a
 * bounded window at a time, re-sending what is not acknowledged (the destination primary may
 * change meanwhile: the ring carries the current one). When all are acknowledged it tells the
 * servers. Keys are frozen at the source from the moment it knows the new ring (it answers
 * 'wrong-group' for them), so what it hands over is final. A promoted standby simply starts
 * the hand-over again: puts of the same values are idempotent, and the destination refuses
 * migrate puts once the ring is complete, so a late duplicate cannot overwrite a newer write.
 */
import { assert, type Env, type Micros, type NodeId } from '../env.ts';
import type { Migrated, PutReq } from './messages.ts';
import type { RingState } from './ring-state.ts';

/** Puts in flight per hand-over. */
export const HANDOVER_WINDOW = 64;

interface InFlight {
  readonly key: string;
  sentAtUs: Micros;
}

export class Handover {
  private readonly queue: string[];
  private readonly inFlight = new Map<number, InFlight>();
  private nextReq = 1;
  private finished = false;
  /** Keys handed over (for reports). */
  readonly total: number;

  constructor(
    private readonly env: Env,
    private readonly group: string,
    readonly version: number,
    keys: readonly string[],
    private readonly valueOf: (key: string) => string | undefined,
    private readonly servers: readonly NodeId[],
    private readonly retryUs: Micros,
  ) {
    this.queue = [...keys].sort();
    this.total = keys.length;
    env.trace('shard.handover', { group, version, keys: keys.length });
  }

  isFinished(): boolean {
    return this.finished;
  }

  /** Sends more, re-sends stale ones, reports when done. Called on every ack and every tick. */
  pump(ring: RingState): void {
    const to = ring.adding === null ? undefined : ring.primaries[ring.adding];
    if (ring.adding === null || ring.version !== this.version) return; // superseded or completed
    if (to !== undefined) {
      const now = this.env.now();
      for (const [req, f] of this.inFlight) {
        if (now - f.sentAtUs >= this.retryUs) {
          f.sentAtUs = now;
          this.send(to, ring.adding, req, f.key);
        }
      }
      while (this.inFlight.size < HANDOVER_WINDOW && this.queue.length > 0) {
        const key = this.queue.shift()!;
        if (this.valueOf(key) === undefined) continue;
        const req = this.nextReq++;
        this.inFlight.set(req, { key, sentAtUs: now });
        this.send(to, ring.adding, req, key);
      }
    }
    assert(this.inFlight.size <= HANDOVER_WINDOW, 'handover: window overrun');
    if (this.queue.length === 0 && this.inFlight.size === 0) {
      if (!this.finished) this.env.trace('shard.handover.done', { group: this.group, version: this.version });
      this.finished = true;
      // Repeated on every pump until the ring lists us as done (the report may be lost).
      for (const s of this.servers) this.env.send(s, { type: 'shard.migrated', group: this.group, version: this.version } satisfies Migrated as Migrated, { reliable: true });
    }
  }

  /** An answer to one of our puts; true if it was ours. */
  onAnswer(req: number, ok: boolean): boolean {
    const f = this.inFlight.get(req);
    if (!f) return false;
    if (ok) this.inFlight.delete(req);
    else f.sentAtUs = -Infinity; // re-send on the next pump
    return true;
  }

  private send(to: NodeId, group: string, req: number, key: string): void {
    const value = this.valueOf(key);
    if (value === undefined) {
      this.inFlight.delete(req);
      return;
    }
    const m: PutReq = { type: 'shard.put', req: -req, group, key, value, migrate: true };
    this.env.send(to, m, { reliable: true });
  }
}
