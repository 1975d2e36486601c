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
  /**
   * Leadership epoch: bumped on every gain or loss of leadership (and on a snapshot restore,
   * which rebuilds the timers). A retry or decision captured in one epoch is void in any
   * other: after demote + promote the new stint re-armed every deadline from full, so an
   * expiry decided by the old stint's timers is stale (hasim stress/lease-stale-retry.yaml).
   */
  private epoch = 0;

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
        this.epoch++;
        this.demote();
        this.promote();
      }
    });
  }

  /** The wiring calls this on every role change (and once at start). */
  setLeader(isLeader: boolean): void {
    if (isLeader === this.active) return;
    this.active = isLeader;
    this.epoch++;
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

  /**
   * Proposes with the leader's clock; retries (bounded, with backoff) while still wanted and
   * while the leadership stint that decided it lasts. `stillWanted` is asked again before
   * every attempt: it must re-validate the decision against the driver's current state (e.g.
   * the deadline was not re-armed), not merely check that the object still exists.
   */
  protected proposeRetrying(cmd: StoreCommandBody, stillWanted: () => boolean, attempt = 1): void {
    this.attempt(cmd, stillWanted, attempt, this.epoch, this.raft.term());
  }

  private attempt(cmd: StoreCommandBody, stillWanted: () => boolean, attempt: number, epoch: number, term: number): void {
    // The Raft term as a second witness: a term change means leadership was lost in between,
    // even if the role listener has not told this driver yet.
    if (!this.active || epoch !== this.epoch || this.raft.term() !== term || !stillWanted()) return;
    this.raft.propose({ ...cmd, atUs: this.env.now() }, (r) => {
      if (r.ok || r.error === 'not-leader' || r.error === 'rejected') return;
      if (epoch !== this.epoch || this.raft.term() !== term) return; // the stint that decided it is over
      if (attempt >= DRIVER_MAX_ATTEMPTS) {
        this.env.trace('coord.driver.give-up', { cmd: cmd.type, attempt });
        return;
      }
      this.env.after(DRIVER_RETRY_BASE_US * attempt, () => this.attempt(cmd, stillWanted, attempt + 1, epoch, term));
    });
  }

  protected abstract promote(): void;
  protected abstract demote(): void;
  protected abstract onApplied(e: AppliedEntry): void;
}
