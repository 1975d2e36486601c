/**
 * LeaseDriver: the leader's lessor. Tracks each lease's deadline on the leader's clock,
 * serves keep-alives and TimeToLive without touching the log (as etcd's lessor does), and
 * proposes `lease.expire` when a deadline passes.
 *
 * Leader change: the new leader does not know when keep-alives last arrived, so — as etcd's
 * Lessor.Promote(extend) — every lease gets its full TTL again plus LEASE_PROMOTE_EXTEND_US
 * (the election timeout) counted from the moment of promotion. A lease therefore never
 * expires early because of a leader change; it may live up to one TTL + extend longer.
 */
import { MAX_LEASES, LEASE_PROMOTE_EXTEND_US } from './config.ts';
import { Deadlines } from './deadlines.ts';
import { LeaderDriver, type LeaderOnly } from './leader-driver.ts';
import type { Env, Micros } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { StoreCommand, StoreResult } from '../store/commands.ts';
import type { AppliedEntry } from '../store/effects.ts';
import { testMutant } from '../test-mutants.ts';

export interface LeaseTimeToLive {
  readonly id: string;
  readonly name: string;
  /** The granted TTL. */
  readonly grantedTtlUs: Micros;
  /** Time left on the leader's clock before it proposes expiry. */
  readonly remainingUs: Micros;
  readonly keys: readonly string[];
}

export class LeaseDriver extends LeaderDriver {
  private readonly deadlines: Deadlines;
  /** Leases whose expiry is being proposed: keep-alives no longer save them. */
  private readonly expiring = new Set<string>();

  constructor(env: Env, raft: Replicator<StoreCommand, StoreResult>, store: CoordStore, private readonly promoteExtendUs: Micros = LEASE_PROMOTE_EXTEND_US) {
    super(env, raft, store);
    this.deadlines = new Deadlines(env, (id) => this.expire(id), MAX_LEASES);
  }

  /**
   * Renews a lease to its full TTL. Leader only, and only once a read barrier confirmed the
   * leadership: a deposed leader that does not know it yet must not extend a lease the new
   * leader is counting down (etcd's LeaseRenew likewise calls ensureLeadership first).
   */
  keepAlive(id: string, done: (r: LeaderOnly<{ ttlUs: Micros }>) => void): void {
    if (!this.active) return done(this.notLeader());
    this.raft.readBarrier((b) => {
      if (!b.ok || !this.active) return done(this.notLeader());
      const lease = this.store.leases.get(id);
      if (!lease || this.expiring.has(id) || !this.deadlines.has(id)) return done({ ok: false, error: 'not-found' });
      this.deadlines.setAfter(id, lease.ttlUs * (testMutant('coordLeaseOutlivesTtl') ? 3 : 1)); // TEST ONLY: the factor
      done({ ok: true, value: { ttlUs: lease.ttlUs } });
    });
  }

  /** etcd's LeaseTimeToLive. Leader only (the only node that knows the deadline). */
  timeToLive(id: string): LeaderOnly<LeaseTimeToLive> {
    if (!this.active) return this.notLeader();
    const lease = this.store.leases.get(id);
    const at = this.deadlines.get(id);
    if (!lease || at === undefined) return { ok: false, error: 'not-found' };
    return {
      ok: true,
      value: { id, name: lease.name, grantedTtlUs: lease.ttlUs, remainingUs: Math.max(0, at - this.env.now()), keys: this.store.keysOfLease(id) },
    };
  }

  protected promote(): void {
    for (const l of this.store.leases.list()) this.deadlines.setAfter(l.id, l.ttlUs + this.promoteExtendUs);
    this.env.trace('lease.promote', { leases: this.store.leases.size() });
  }

  protected demote(): void {
    this.deadlines.clear();
    this.expiring.clear();
  }

  protected onApplied(e: AppliedEntry): void {
    for (const fx of e.effects) {
      if (fx.kind === 'lease.granted') this.deadlines.setAfter(fx.id, fx.ttlUs * (testMutant('coordLeaseOutlivesTtl') ? 3 : 1)); // TEST ONLY: the factor
      else if (fx.kind === 'lease.removed') {
        this.deadlines.delete(fx.id);
        this.expiring.delete(fx.id);
      }
    }
  }

  private expire(id: string): void {
    if (!this.store.leases.has(id)) return;
    this.expiring.add(id);
    this.env.trace('lease.expire', { id });
    // Re-validated before every attempt: still marked expiring in this stint and not re-armed
    // since (a promote re-arms every lease from full).
    this.proposeRetrying({ type: 'lease.expire', id }, () => this.store.leases.has(id) && this.expiring.has(id) && !this.deadlines.has(id));
  }
}
