/**
 * Shared shape of the leader-side drivers: each one is active only while its node's Raft
 * replica is the leader, learns about the state from applied entries, and turns time into
 * log entries (expire, invalidate, critical) with bounded retries.
 */
import type { Env, NodeId } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { StoreCommand, StoreCommandBody, StoreResult } from '../store/commands.ts';
import type { AppliedEntry } from '../store/effects.ts';
import { DRIVER_MAX_ATTEMPTS, DRIVER_RETRY_BASE_US } from './config.ts';

export type LeaderOnly<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: 'not-leader'; readonly leader?: NodeId } | { readonly ok: false; readonly error: 'not-found' };

export abstract class LeaderDriver {
  protected active = false;

  constructor(
    protected readonly env: Env,
    protected readonly raft: Replicator<StoreCommand, StoreResult>,
    protected readonly store: CoordStore,
  ) {
    store.onApply((e) => {
      if (this.active) this.onApplied(e);
    });
    store.onRestore(() => {
      if (this.active) {
        this.demote();
        this.promote();
      }
    });
  }

  /** The wiring calls this on every role change (and once at start). */
  setLeader(isLeader: boolean): void {
    if (isLeader === this.active) return;
    this.active = isLeader;
    if (isLeader) this.promote();
    else this.demote();
  }

  isActive(): boolean {
    return this.active;
  }

  protected notLeader(): { ok: false; error: 'not-leader'; leader?: NodeId } {
    const leader = this.raft.leader();
    return leader !== undefined && leader !== this.env.self ? { ok: false, error: 'not-leader', leader } : { ok: false, error: 'not-leader' };
  }

  /** Proposes with the leader's clock; retries (bounded, with backoff) while still wanted. */
  protected proposeRetrying(cmd: StoreCommandBody, stillWanted: () => boolean, attempt = 1): void {
    if (!this.active || !stillWanted()) return;
    this.raft.propose({ ...cmd, atUs: this.env.now() }, (r) => {
      if (r.ok || r.error === 'not-leader' || r.error === 'rejected') return;
      if (attempt >= DRIVER_MAX_ATTEMPTS) {
        this.env.trace('coord.driver.give-up', { cmd: cmd.type, attempt });
        return;
      }
      this.env.after(DRIVER_RETRY_BASE_US * attempt, () => this.proposeRetrying(cmd, stillWanted, attempt + 1));
    });
  }

  protected abstract promote(): void;
  protected abstract demote(): void;
  protected abstract onApplied(e: AppliedEntry): void;
}
