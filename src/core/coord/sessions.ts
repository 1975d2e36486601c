/**
 * The replicated Consul-style session table and its lock-delay table: the pure part.
 *
 * A session ties KV locks to liveness: a TTL (enforced by the leader's SessionDriver, which
 * proposes `session.invalidate`), and node / check bindings (invalidated in the same apply in
 * which the catalog marks the node failed or a bound check critical). On invalidation every
 * key the session holds is released or deleted (its Behavior) and, if LockDelay > 0, those
 * keys cannot be acquired again until LockDelay has passed on the replicated clock.
 * Semantics follow Consul's /v1/session API docs.
 */
import { assert, type Micros } from '../env.ts';
import {
  MAX_SESSIONS,
  SERF_HEALTH_CHECK,
  SESSION_LOCK_DELAY_DEFAULT_US,
  SESSION_LOCK_DELAY_MAX_US,
  SESSION_TTL_MAX_US,
  SESSION_TTL_MIN_US,
} from './config.ts';
import { sessionIdFromIndex } from './ids.ts';
import { testMutant } from '../test-mutants.ts';

export type SessionBehavior = 'release' | 'delete';

export interface SessionRecord {
  readonly id: string;
  readonly name: string;
  /** The node the session is bound to (must be registered in the catalog). */
  readonly node: string;
  /** Node checks the session is bound to (Consul's NodeChecks; default ['serfHealth']). */
  readonly checks: readonly string[];
  readonly lockDelayUs: Micros;
  readonly behavior: SessionBehavior;
  /** 0 = no TTL. */
  readonly ttlUs: Micros;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface SessionCreateInput {
  readonly node: string;
  readonly name?: string;
  readonly checks?: readonly string[];
  readonly lockDelayUs?: Micros;
  readonly behavior?: SessionBehavior;
  readonly ttlUs?: Micros;
}

/** What the session table needs to know about the catalog to validate bindings. */
export interface CheckLookup {
  hasNode(node: string): boolean;
  /** undefined when the node has no such check. */
  checkStatus(node: string, checkId: string): 'passing' | 'warning' | 'critical' | undefined;
}

export interface SessionSnapshot {
  readonly sessions: readonly SessionRecord[];
  /** [key, until] pairs of the lock-delay table. */
  readonly lockDelays: readonly (readonly [string, Micros])[];
}

export class SessionTable {
  /** The session bound (MAX_SESSIONS; smaller in tests), checked before proposing and at apply. */
  readonly maxSessions: number = MAX_SESSIONS;
  private readonly sessions = new Map<string, SessionRecord>();
  /** key → replicated time until which it may not be acquired. */
  private readonly lockDelays = new Map<string, Micros>();

  /** Why a new session would be refused for the bound, or null (the HTTP route asks before proposing). */
  fullError(): string | null {
    return this.sessions.size >= this.maxSessions ? `too many sessions (${this.maxSessions})` : null;
  }

  /** Validates and creates; returns an error text (as Consul's HTTP 500 body) on refusal. */
  create(index: number, input: SessionCreateInput, catalog: CheckLookup): SessionRecord | string {
    if (this.fullError() !== null) return this.fullError()!;
    const ttlUs = input.ttlUs ?? 0;
    if (ttlUs !== 0 && (ttlUs < SESSION_TTL_MIN_US || ttlUs > SESSION_TTL_MAX_US)) {
      return `Invalid Session TTL '${ttlUs}us', must be between [${SESSION_TTL_MIN_US}us=${SESSION_TTL_MAX_US}us]`;
    }
    const lockDelayUs = input.lockDelayUs ?? SESSION_LOCK_DELAY_DEFAULT_US;
    if (lockDelayUs < 0) return 'Invalid LockDelay';
    const behavior = input.behavior ?? 'release';
    if (behavior !== 'release' && behavior !== 'delete') return `Invalid Behavior setting '${String(behavior)}'`;
    if (!catalog.hasNode(input.node)) return `Missing node registration`;
    const checks = [...new Set(input.checks ?? [SERF_HEALTH_CHECK])];
    for (const c of checks) {
      const status = catalog.checkStatus(input.node, c);
      if (status === undefined) return `Missing check '${c}' registration`;
      if (status === 'critical') return `Check '${c}' is in critical state`;
    }
    const id = sessionIdFromIndex(index);
    assert(!this.sessions.has(id), () => `session ${id} created twice`);
    const rec: SessionRecord = {
      id,
      name: input.name ?? '',
      node: input.node,
      checks,
      // Consul caps rather than rejects a long lock delay.
      lockDelayUs: Math.min(lockDelayUs, SESSION_LOCK_DELAY_MAX_US),
      behavior,
      ttlUs,
      createIndex: index,
      modifyIndex: index,
    };
    this.sessions.set(id, rec);
    return rec;
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  size(): number {
    return this.sessions.size;
  }

  /** Every session, in creation order. */
  list(): SessionRecord[] {
    return [...this.sessions.values()].sort((a, b) => a.createIndex - b.createIndex);
  }

  /** Sessions bound to a node, or to one of its checks when checkId is given. */
  boundTo(node: string, checkId?: string): SessionRecord[] {
    return this.list().filter((s) => s.node === node && (checkId === undefined || s.checks.includes(checkId)));
  }

  /** Removes a session (the store releases or deletes its keys). */
  remove(id: string): SessionRecord | undefined {
    const rec = this.sessions.get(id);
    this.sessions.delete(id);
    return rec;
  }

  /** Blocks acquisition of key until `untilUs` (replicated clock). Keeps the later bound. */
  delayKey(key: string, untilUs: Micros): void {
    if (testMutant('lockNoDelay')) return; // TEST ONLY: no lock-delay
    this.lockDelays.set(key, Math.max(untilUs, this.lockDelays.get(key) ?? 0));
  }

  /** Whether key is under lock delay at replicated time nowUs; drops a passed delay. */
  isDelayed(key: string, nowUs: Micros): boolean {
    const until = this.lockDelays.get(key);
    if (until === undefined) return false;
    if (nowUs >= until) {
      this.lockDelays.delete(key);
      return false;
    }
    return true;
  }

  lockDelayUntil(key: string): Micros | undefined {
    return this.lockDelays.get(key);
  }

  /** Drops passed delays so the table stays bounded by the keys recently released. */
  pruneDelays(nowUs: Micros): void {
    for (const [k, until] of this.lockDelays) if (nowUs >= until) this.lockDelays.delete(k);
  }

  snapshot(): SessionSnapshot {
    return {
      sessions: this.list().map((s) => ({ ...s, checks: [...s.checks] })),
      lockDelays: [...this.lockDelays.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    };
  }

  restore(snap: SessionSnapshot): void {
    this.sessions.clear();
    this.lockDelays.clear();
    for (const s of snap.sessions) this.sessions.set(s.id, { ...s, checks: [...s.checks] });
    for (const [k, until] of snap.lockDelays) this.lockDelays.set(k, until);
  }
}
