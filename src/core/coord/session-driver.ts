/**
 * SessionDriver: the leader's session TTL timers (Consul's session_ttl.go, our own code).
 *
 * Renewals reset the timer on the leader only, never through the log. A session is
 * invalidated TTL x SESSION_TTL_MULTIPLIER after its last renewal; on a leader change every
 * timer restarts from full (Consul's initializeSessionTimers), so the TTL stays a lower bound.
 */
import { MAX_SESSIONS, SESSION_TTL_MULTIPLIER } from './config.ts';
import { Deadlines } from './deadlines.ts';
import { testMutant } from '../test-mutants.ts';
import { LeaderDriver, type LeaderOnly } from './leader-driver.ts';
import type { SessionRecord } from './sessions.ts';
import type { Env } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { StoreCommand, StoreResult } from '../store/commands.ts';
import type { AppliedEntry } from '../store/effects.ts';

export class SessionDriver extends LeaderDriver {
  private readonly deadlines: Deadlines;
  private readonly invalidating = new Set<string>();

  constructor(env: Env, raft: Replicator<StoreCommand, StoreResult>, store: CoordStore) {
    super(env, raft, store);
    this.deadlines = new Deadlines(env, (id) => this.invalidate(id), MAX_SESSIONS);
  }

  /**
   * Consul's /v1/session/renew. Leader only, after a read barrier confirmed the leadership
   * (so a deposed leader cannot extend a session its successor is timing out).
   */
  renew(id: string, done: (r: LeaderOnly<SessionRecord>) => void): void {
    if (!this.active) return done(this.notLeader());
    this.raft.readBarrier((b) => {
      if (!b.ok || !this.active) return done(this.notLeader());
      const s = this.store.sessions.get(id);
      if (!s || this.invalidating.has(id)) return done({ ok: false, error: 'not-found' });
      if (s.ttlUs > 0) this.arm(s);
      done({ ok: true, value: s });
    });
  }

  /** When the leader will invalidate the session (local clock), if it has a TTL. */
  deadlineOf(id: string): number | undefined {
    return this.deadlines.get(id);
  }

  private arm(s: SessionRecord): void {
    this.deadlines.setAfter(s.id, s.ttlUs * (testMutant('sessionTtlOnce') ? 1 : SESSION_TTL_MULTIPLIER)); // TEST ONLY: sessionTtlOnce
  }

  protected promote(): void {
    for (const s of this.store.sessions.list()) if (s.ttlUs > 0) this.arm(s);
  }

  protected demote(): void {
    this.deadlines.clear();
    this.invalidating.clear();
  }

  protected onApplied(e: AppliedEntry): void {
    for (const fx of e.effects) {
      if (fx.kind === 'session.created' && fx.ttlUs > 0) this.arm(this.store.sessions.get(fx.id)!);
      else if (fx.kind === 'session.removed') {
        this.deadlines.delete(fx.id);
        this.invalidating.delete(fx.id);
      }
    }
  }

  private invalidate(id: string): void {
    if (!this.store.sessions.get(id)) return;
    this.invalidating.add(id);
    this.env.trace('session.ttl-expired', { id });
    // Re-validated before every attempt: still marked in this stint and not re-armed since.
    this.proposeRetrying(
      { type: 'session.invalidate', id, reason: 'ttl expired' },
      () => this.store.sessions.get(id) !== undefined && this.invalidating.has(id) && !this.deadlines.has(id),
    );
  }
}
