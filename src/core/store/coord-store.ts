/**
 * CoordStore: the composite replicated "FSM DB" every Raft node runs.
 *
 * One StateMachine composing the KV map (src/core/kv) with leases, Consul sessions and
 * locks, the catalog and the ZooKeeper-style tree, so one Raft log orders all of them and a
 * lease expiry, a session invalidation or a failed check can change KV entries atomically
 * in the same entry. Snapshot / restore cover all of it.
 *
 * apply() is pure: no clock, no randomness. The replicated clock moves to max(clock,
 * command.atUs), so time-dependent rules (lock delay) give the same answer everywhere.
 * Node-local cores observe applied entries through onApply (leader drivers, the blocking
 * hub, tree servers); they must not change the state from inside the callback.
 */
import { assert, type Micros } from '../env.ts';
import type { ApplyContext, StateMachine } from '../sm.ts';
import { KvStateMachine, KvStore, validateCommand, type KvStoreSnapshot } from '../kv/index.ts';
import type { KvEntry } from '../kv/types.ts';
import { Catalog, type CatalogSnapshot, type CheckChange } from '../coord/catalog.ts';
import { LeaseTable, type LeaseSnapshot } from '../coord/leases.ts';
import { SessionTable, type SessionSnapshot } from '../coord/sessions.ts';
import { ZkTree, type TreeSnapshot } from '../coord/tree/tree.ts';
import type { StoreCommand, StoreResult } from './commands.ts';
import { validateStoreCommand } from './validate.ts';
import { runKvTxn, type KvTxnError, type KvTxnHost, type KvTxnOp, type KvTxnResultEntry, type LockOutcome, type UnlockOutcome } from './kv-txn.ts';
import { TOPICS, type ApplyListener, type RestoreListener, type StoreEffect, type Topic } from './effects.ts';
import { storeKvFullError } from './capacity.ts';

export interface CoordStoreSnapshot {
  readonly version: 1;
  readonly appliedIndex: number;
  readonly clockUs: Micros;
  readonly topics: Readonly<Record<Topic, number>>;
  readonly kv: KvStoreSnapshot;
  readonly leases: LeaseSnapshot;
  readonly sessions: SessionSnapshot;
  readonly catalog: CatalogSnapshot;
  readonly tree: TreeSnapshot;
  /** Recent KV deletions [key, index], oldest first, and the highest index evicted from them. */
  readonly tombstones?: { readonly recent: readonly (readonly [string, number])[]; readonly floor: number };
}

/**
 * Bound on remembered KV deletions. Consul keeps tombstones until a GC (tombstone_ttl);
 * we keep the most recent ones and a floor index for the evicted, which is sound: a prefix's
 * index may come out higher than needed (a spurious wake-up), never lower.
 */
const MAX_TOMBSTONES = 4096;

const KNOWN: Record<StoreCommand['type'], true> = {
  kv: true, 'kv.acquire': true, 'kv.release': true, 'kv.txn': true, 'lease.grant': true, 'lease.revoke': true, 'lease.expire': true,
  'lease.put': true, 'session.create': true, 'session.destroy': true, 'session.invalidate': true, 'catalog.register': true,
  'catalog.deregister': true, 'check.update': true, 'zk.session.create': true, 'zk.session.close': true,
  'zk.session.expire': true, 'zk.op': true, 'zk.multi': true, 'zk.reap': true, noop: true,
};

/** Bound on listeners per store (a node has a handful of cores beside it). */
const MAX_LISTENERS = 64;

export class CoordStore implements StateMachine<StoreCommand, StoreResult> {
  readonly kvMachine: KvStateMachine;
  readonly kv: KvStore;
  readonly leases = new LeaseTable();
  readonly sessions = new SessionTable();
  readonly catalog = new Catalog();
  readonly tree = new ZkTree();

  private applied = 0;
  private clock: Micros = 0;
  private readonly topicIndex: Record<Topic, number> = { kv: 0, leases: 0, sessions: 0, catalog: 0, tree: 0 };
  /** session id → keys it acquired (a superset: filtered by entry.session when used). */
  private readonly sessionKeys = new Map<string, Set<string>>();
  /** Recent deletions key → index, in insertion (index) order; see MAX_TOMBSTONES. */
  private readonly tombstones = new Map<string, number>();
  private tombstoneFloor = 0;
  private readonly applyListeners: ApplyListener[] = [];
  private readonly restoreListeners: RestoreListener[] = [];

  /** @param opts.kvMaxKeys the KV key bound (default KV_MAX_KEYS; smaller in tests). */
  constructor(opts: { readonly kvMaxKeys?: number } = {}) {
    this.kv = new KvStore(opts.kvMaxKeys);
    this.kvMachine = new KvStateMachine(this.kv);
  }

  /** Index of the last applied entry. */
  appliedIndex(): number {
    return this.applied;
  }

  /** The replicated clock (max of the atUs stamps applied so far). */
  clockUs(): Micros {
    return this.clock;
  }

  /** Index of the last entry that changed a topic (Consul's per-table index, at least 1 once anything applied). */
  indexOf(topic: Topic): number {
    return this.topicIndex[topic];
  }

  onApply(listener: ApplyListener): () => void {
    assert(this.applyListeners.length < MAX_LISTENERS, 'too many apply listeners');
    this.applyListeners.push(listener);
    return () => {
      const i = this.applyListeners.indexOf(listener);
      if (i >= 0) this.applyListeners.splice(i, 1);
    };
  }

  onRestore(listener: RestoreListener): () => void {
    assert(this.restoreListeners.length < MAX_LISTENERS, 'too many restore listeners');
    this.restoreListeners.push(listener);
    return () => {
      const i = this.restoreListeners.indexOf(listener);
      if (i >= 0) this.restoreListeners.splice(i, 1);
    };
  }

  /**
   * Consul's index of a KV read: the highest modifyIndex under the prefix, or of a deletion
   * under it (tombstones), so a blocking read on a prefix wakes only for changes there.
   * At least 1 once anything was applied.
   */
  kvIndex(prefix: string): number {
    let idx = this.tombstoneFloor;
    for (const e of this.kv.range(prefix)) if (e.modifyIndex > idx) idx = e.modifyIndex;
    for (const [k, i] of this.tombstones) if (i > idx && k.startsWith(prefix)) idx = i;
    return Math.max(idx, this.applied > 0 ? 1 : 0);
  }

  private noteDeleted(key: string, index: number): void {
    this.tombstones.delete(key);
    this.tombstones.set(key, index);
    while (this.tombstones.size > MAX_TOMBSTONES) {
      const [oldest, at] = this.tombstones.entries().next().value as [string, number];
      this.tombstones.delete(oldest);
      this.tombstoneFloor = Math.max(this.tombstoneFloor, at);
    }
  }

  /** Keys a KV command may delete (checked after it applied). */
  private deletionCandidates(cmd: StoreCommand & { type: 'kv' }): string[] {
    const c = cmd.cmd;
    const fromOp = (op: { op: string; key?: string; prefix?: string }): string[] =>
      op.op === 'delete' && op.key !== undefined ? [op.key] : op.op === 'delete-prefix' && op.prefix !== undefined ? this.kv.keys(op.prefix) : [];
    switch (c.type) {
      case 'delete':
        return [c.key];
      case 'delete-prefix':
        return this.kv.keys(c.prefix);
      case 'txn':
        return [...c.success, ...c.failure].flatMap(fromOp);
      default:
        return [];
    }
  }

  /** Keys currently locked by a session, sorted. */
  keysHeldBy(session: string): string[] {
    return [...(this.sessionKeys.get(session) ?? [])].filter((k) => this.kv.get(k)?.session === session).sort();
  }

  /** Keys currently attached to a lease, sorted. */
  keysOfLease(id: string): string[] {
    return this.leases.keysOf(id).filter((k) => this.kv.get(k)?.lease === id);
  }

  /** Live leased entries under a prefix (raftd's /lease/kv: service discovery). */
  leasedRange(prefix: string): KvEntry[] {
    return this.kv.range(prefix).filter((e) => e.lease !== undefined && this.leases.has(e.lease));
  }

  apply(command: StoreCommand, ctx: ApplyContext): StoreResult {
    assert(ctx.index > this.applied, () => `apply index ${ctx.index} <= applied ${this.applied}`);
    const kvBefore = this.kv.revision();
    if (command !== null && typeof command === 'object' && typeof command.atUs === 'number' && Number.isFinite(command.atUs)) {
      this.clock = Math.max(this.clock, Math.round(command.atUs));
    }
    const effects: StoreEffect[] = [];
    const topics = new Set<Topic>();
    const result = this.dispatch(command, ctx.index, effects, topics);
    this.applied = ctx.index;
    if (this.kv.revision() !== kvBefore) {
      assert(this.kv.revision() === ctx.index, 'kv revision moved to another index');
      topics.add('kv');
    }
    for (const t of topics) this.topicIndex[t] = ctx.index;
    const topicList = TOPICS.filter((t) => topics.has(t));
    for (const l of [...this.applyListeners]) l({ index: ctx.index, term: ctx.term, command, result, effects, topics: topicList });
    return result;
  }

  private dispatch(cmd: StoreCommand, index: number, effects: StoreEffect[], topics: Set<Topic>): StoreResult {
    const invalid = validateStoreCommand(cmd);
    if (invalid !== null) {
      const t = (cmd as { type?: unknown } | null)?.type;
      return { type: typeof t === 'string' && t in KNOWN ? (t as StoreCommand['type']) : 'unknown', ok: false, error: invalid };
    }
    const full = storeKvFullError(cmd, this.kv);
    if (full !== null) return { type: cmd.type, ok: false, error: full };
    const now = this.clock;
    switch (cmd.type) {
      case 'noop':
        return { type: 'noop', ok: true };

      case 'kv': {
        const candidates = this.deletionCandidates(cmd).filter((k) => this.kv.get(k) !== undefined);
        const result = this.kvMachine.apply(cmd.cmd, { index, term: 0 });
        for (const k of candidates) if (this.kv.get(k) === undefined) this.noteDeleted(k, index);
        return { type: 'kv', ok: true, result };
      }

      case 'kv.acquire': {
        const bad = validateCommand({ type: 'put', key: cmd.key, value: cmd.value, ...(cmd.flags !== undefined ? { flags: cmd.flags } : {}) });
        if (bad) return { type: cmd.type, ok: false, error: bad };
        const r = this.lockKey(cmd.key, cmd.value, cmd.session, cmd.flags, index);
        if (r.ok) return { type: cmd.type, ok: true, acquired: true, entry: r.entry };
        if (r.why === 'invalid-session') return { type: cmd.type, ok: false, error: 'invalid session' };
        return { type: cmd.type, ok: true, acquired: false, entry: r.entry };
      }

      case 'kv.release': {
        const r = this.unlockKey(cmd.key, cmd.value, cmd.session, cmd.flags, index);
        if (r.ok) return { type: cmd.type, ok: true, released: true, entry: r.entry };
        if (r.why === 'invalid-session') return { type: cmd.type, ok: false, error: 'invalid session' };
        return { type: cmd.type, ok: true, released: false, entry: r.entry };
      }

      case 'kv.txn':
        return { type: cmd.type, ok: true, ...this.applyKvTxn(cmd.ops, index) };

      case 'lease.grant': {
        if (!(cmd.ttlUs > 0)) return { type: cmd.type, ok: false, error: 'lease TTL must be positive' };
        const lease = this.leases.grant(index, cmd.ttlUs, cmd.name ?? '');
        if (lease === 'too-many') return { type: cmd.type, ok: false, error: 'too many leases' };
        topics.add('leases');
        effects.push({ kind: 'lease.granted', id: lease.id, ttlUs: lease.ttlUs });
        return { type: cmd.type, ok: true, lease };
      }

      case 'lease.revoke':
      case 'lease.expire': {
        if (!this.leases.has(cmd.id)) return { type: cmd.type, ok: true, found: false, deletedKeys: [] };
        const keys = this.keysOfLease(cmd.id);
        this.leases.remove(cmd.id);
        for (const k of keys) {
          this.kv.delete(k, index);
          this.noteDeleted(k, index);
        }
        topics.add('leases');
        effects.push({ kind: 'lease.removed', id: cmd.id });
        return { type: cmd.type, ok: true, found: true, deletedKeys: keys };
      }

      case 'lease.put': {
        const bad = validateCommand({ type: 'put', key: cmd.key, value: cmd.value, ...(cmd.flags !== undefined ? { flags: cmd.flags } : {}) });
        if (bad) return { type: cmd.type, ok: false, error: bad };
        if (!this.leases.has(cmd.lease)) return { type: cmd.type, ok: false, error: 'requested lease not found' };
        const entry = this.kv.put(cmd.key, cmd.value, index, { lease: cmd.lease, ...(cmd.flags !== undefined ? { flags: cmd.flags } : {}) });
        this.leases.attach(cmd.lease, cmd.key);
        return { type: cmd.type, ok: true, entry };
      }

      case 'session.create': {
        const r = this.sessions.create(index, cmd.input, this.catalog); // input.node checked by validateStoreCommand above
        if (typeof r === 'string') return { type: cmd.type, ok: false, error: r };
        topics.add('sessions');
        effects.push({ kind: 'session.created', id: r.id, ttlUs: r.ttlUs });
        return { type: cmd.type, ok: true, session: r };
      }

      case 'session.destroy':
      case 'session.invalidate': {
        const found = this.invalidateSession(cmd.id, index, cmd.type === 'session.destroy' ? 'destroyed' : cmd.reason, effects, topics);
        return { type: cmd.type, ok: true, found };
      }

      case 'catalog.register': {
        const r = this.catalog.register(index, now, cmd);
        if (typeof r === 'string') return { type: cmd.type, ok: false, error: r };
        topics.add('catalog');
        for (const c of cmd.checks ?? []) {
          const rec = this.catalog.getCheck(cmd.node, c.checkId)!;
          effects.push({ kind: 'check.updated', node: cmd.node, checkId: c.checkId, status: rec.status });
        }
        this.onCheckChanges(r, index, effects, topics);
        return { type: cmd.type, ok: true, node: this.catalog.getNode(cmd.node)! };
      }

      case 'catalog.deregister': {
        const r = this.catalog.deregister(cmd);
        if (typeof r === 'string') return { type: cmd.type, ok: false, error: r };
        const removed = r.nodeRemoved || r.changes.length > 0 || cmd.serviceId !== undefined;
        if (removed) topics.add('catalog');
        for (const c of r.changes) effects.push({ kind: 'check.removed', node: c.node, checkId: c.checkId });
        this.onCheckChanges(r.changes, index, effects, topics);
        if (r.nodeRemoved) {
          // Consul: deregistering a node invalidates every session bound to it.
          for (const s of this.sessions.boundTo(cmd.node)) this.invalidateSession(s.id, index, 'node deregistered', effects, topics);
        }
        return { type: cmd.type, ok: true, removed };
      }

      case 'check.update': {
        const prev = this.catalog.getCheck(cmd.node, cmd.checkId);
        const r = this.catalog.updateCheck(index, now, cmd.node, cmd.checkId, cmd.status, cmd.output);
        if (typeof r === 'string') return { type: cmd.type, ok: false, error: r };
        const changed = prev?.status !== cmd.status || prev?.output !== cmd.output;
        if (changed) topics.add('catalog');
        effects.push({ kind: 'check.updated', node: cmd.node, checkId: cmd.checkId, status: cmd.status });
        this.onCheckChanges(r, index, effects, topics);
        return { type: cmd.type, ok: true, changed };
      }

      case 'zk.session.create': {
        if (!(cmd.timeoutUs > 0)) return { type: cmd.type, ok: false, error: 'session timeout must be positive' };
        const s = this.tree.createSession(index, cmd.timeoutUs);
        topics.add('tree');
        effects.push({ kind: 'zk.session.created', id: s.id, timeoutUs: s.timeoutUs });
        return { type: cmd.type, ok: true, session: s.id, timeoutUs: s.timeoutUs };
      }

      case 'zk.session.close':
      case 'zk.session.expire': {
        if (!this.tree.hasSession(cmd.session)) return { type: cmd.type, ok: true, found: false };
        const events = this.tree.closeSession(cmd.session, index, now);
        topics.add('tree');
        if (events.length > 0) effects.push({ kind: 'zk.events', events });
        effects.push({ kind: 'zk.session.removed', id: cmd.session });
        return { type: cmd.type, ok: true, found: true };
      }

      case 'zk.op': {
        const { result, events } = this.tree.apply(cmd.op, cmd.session, index, now);
        if (events.length > 0) {
          topics.add('tree');
          effects.push({ kind: 'zk.events', events });
        }
        return { type: cmd.type, ok: true, result };
      }

      case 'zk.multi': {
        const { result, events } = this.tree.multi(cmd.ops ?? [], cmd.session, index, now);
        if (events.length > 0) {
          topics.add('tree');
          effects.push({ kind: 'zk.events', events });
        }
        return { type: cmd.type, ok: true, result };
      }

      case 'zk.reap': {
        const events = this.tree.reapContainer(cmd.path, index);
        if (events.length > 0) {
          topics.add('tree');
          effects.push({ kind: 'zk.events', events });
        }
        return { type: cmd.type, ok: true, reaped: events.length > 0 };
      }

      default:
        return { type: 'unknown', ok: false, error: `unknown command type ${String((cmd as { type?: unknown }).type)}` };
    }
  }

  /**
   * Consul's lock (KVS ?acquire=, txn `lock`): the one copy of the rule. A held lock by the
   * same session is updated (value, flags) without a new LockIndex; a free key not under
   * lock-delay is taken with LockIndex + 1. flags undefined keeps the current flags.
   */
  private lockKey(key: string, value: string, session: string, flags: string | undefined, index: number): LockOutcome {
    const cur = this.kv.get(key);
    if (!this.sessions.get(session)) return { ok: false, why: 'invalid-session', entry: cur ?? null };
    if (cur?.session !== undefined && cur.session !== session) return { ok: false, why: 'held', entry: cur };
    if (cur?.session === session) {
      // Consul: re-acquiring a held lock updates the value but not LockIndex.
      const entry = this.kv.put(key, value, index, { flags: flags ?? cur.flags, session, lease: cur.lease ?? null });
      return { ok: true, entry };
    }
    if (this.sessions.isDelayed(key, this.clock)) return { ok: false, why: 'lock-delay', entry: cur ?? null };
    const lockIndex = (cur?.lockIndex ?? 0) + 1;
    const entry = this.kv.put(key, value, index, { flags: flags ?? cur?.flags ?? '0', session, lockIndex, lease: cur?.lease ?? null });
    let set = this.sessionKeys.get(session);
    if (!set) this.sessionKeys.set(session, (set = new Set()));
    set.add(key);
    assert(entry.lockIndex === lockIndex && entry.session === session, 'acquire did not take the lock');
    return { ok: true, entry };
  }

  /**
   * Consul's unlock (KVS ?release=, txn `unlock`): only the holder releases; LockIndex stays.
   * value / flags undefined keep the current ones. An unknown session that does not hold the
   * key is 'invalid-session' (the KV endpoint answers it 400; a txn reports "lock isn't held").
   */
  private unlockKey(key: string, value: string | undefined, session: string, flags: string | undefined, index: number): UnlockOutcome {
    const cur = this.kv.get(key);
    if (!this.sessions.get(session) && cur?.session !== session) return { ok: false, why: 'invalid-session', entry: cur ?? null };
    if (!cur || cur.session !== session) return { ok: false, why: 'not-held', entry: cur ?? null };
    const entry = this.kv.put(key, value ?? cur.value, index, { flags: flags ?? cur.flags, session: null, lease: cur.lease ?? null });
    assert(entry.lockIndex === cur.lockIndex, 'release changed the fencing token');
    return { ok: true, entry };
  }

  /**
   * A Consul /v1/txn: runs the ops in one KV batch and keeps their changes only if none
   * failed (all or nothing, on every replica alike: the rules read only replicated state).
   */
  private applyKvTxn(ops: readonly KvTxnOp[], index: number): { results: readonly KvTxnResultEntry[] | null; errors: readonly KvTxnError[] | null } {
    const before = this.kv.revision();
    /** Keys newly recorded under a session by a lock, to forget on rollback. */
    const locked: (readonly [string, string])[] = [];
    const host: KvTxnHost = {
      kv: this.kv,
      isLockDelayed: (key) => this.sessions.isDelayed(key, this.clock),
      lock: (key, value, session, flags, at) => {
        const known = this.sessionKeys.get(session)?.has(key) ?? false;
        const r = this.lockKey(key, value, session, flags, at);
        if (r.ok && !known) locked.push([session, key]);
        return r;
      },
      unlock: (key, value, session, flags, at) => this.unlockKey(key, value, session, flags, at),
    };
    this.kv.beginBatch();
    let out: ReturnType<typeof runKvTxn>;
    try {
      out = runKvTxn(host, ops, index);
    } catch (err) {
      this.kv.rollbackBatch();
      throw err;
    }
    if (out.errors.length > 0) {
      this.kv.rollbackBatch();
      for (const [session, key] of locked) {
        const set = this.sessionKeys.get(session);
        set?.delete(key);
        if (set?.size === 0) this.sessionKeys.delete(session);
      }
      assert(this.kv.revision() === before, 'a failed txn moved the kv revision');
      return { results: null, errors: out.errors };
    }
    this.kv.commitBatch();
    for (const key of out.deleted) this.noteDeleted(key, index);
    return { results: out.results, errors: null };
  }

  /** Sessions die when a bound check goes critical or is removed (Consul's check bindings). */
  private onCheckChanges(changes: readonly CheckChange[], index: number, effects: StoreEffect[], topics: Set<Topic>): void {
    for (const c of changes) {
      if (c.status !== undefined && c.status !== 'critical') continue;
      for (const s of this.sessions.boundTo(c.node, c.checkId)) {
        this.invalidateSession(s.id, index, c.status === undefined ? `check ${c.checkId} removed` : `check ${c.checkId} critical`, effects, topics);
      }
    }
  }

  /**
   * Removes a session and applies its Behavior to every key it holds; with LockDelay > 0
   * those keys cannot be acquired again until clock + LockDelay (Consul applies the delay on
   * any session deletion, explicit destroy included).
   */
  private invalidateSession(id: string, index: number, reason: string, effects: StoreEffect[], topics: Set<Topic>): boolean {
    const rec = this.sessions.get(id);
    if (!rec) return false;
    const held = this.keysHeldBy(id);
    this.sessions.remove(id);
    this.sessionKeys.delete(id);
    for (const key of held) {
      const e = this.kv.get(key)!;
      if (rec.behavior === 'delete') {
        this.kv.delete(key, index);
        this.noteDeleted(key, index);
      } else this.kv.put(key, e.value, index, { flags: e.flags, session: null, lease: e.lease ?? null });
      if (rec.lockDelayUs > 0) this.sessions.delayKey(key, this.clock + rec.lockDelayUs);
    }
    this.sessions.pruneDelays(this.clock);
    topics.add('sessions');
    effects.push({ kind: 'session.removed', id, reason });
    for (const key of held) assert(this.kv.get(key)?.session !== id, () => `key ${key} still held by invalidated ${id}`);
    return true;
  }

  /**
   * Cross-service invariants, O(size): tests and checkers call it after runs (every apply
   * would be too slow for big stores). Throws InvariantError on the first broken one.
   */
  checkInvariants(): void {
    for (const e of this.kv.range('')) {
      if (e.session !== undefined) assert(this.sessions.get(e.session) !== undefined, () => `${e.key} locked by dead session ${e.session}`);
      if (e.lease !== undefined) assert(this.leases.has(e.lease), () => `${e.key} attached to dead lease ${e.lease}`);
      assert(e.modifyIndex <= this.applied, () => `${e.key} modified after the applied index`);
    }
    for (const s of this.sessions.list()) {
      // A live session's node is registered and none of its bound checks is critical or gone.
      assert(this.catalog.hasNode(s.node), () => `session ${s.id} on unregistered node ${s.node}`);
      for (const c of s.checks) {
        const st = this.catalog.checkStatus(s.node, c);
        assert(st !== undefined && st !== 'critical', () => `session ${s.id} alive with check ${c} ${st ?? 'missing'}`);
      }
    }
    for (const n of this.tree.snapshot().nodes) {
      if (n.stat.ephemeralOwner !== '0') assert(this.tree.hasSession(n.stat.ephemeralOwner), () => `ephemeral ${n.path} of dead session`);
    }
    for (const t of TOPICS) assert(this.topicIndex[t] <= this.applied, () => `topic ${t} index beyond applied`);
  }

  snapshot(): CoordStoreSnapshot {
    return {
      version: 1,
      appliedIndex: this.applied,
      clockUs: this.clock,
      topics: { ...this.topicIndex },
      kv: this.kv.snapshot(),
      leases: this.leases.snapshot(),
      sessions: this.sessions.snapshot(),
      catalog: this.catalog.snapshot(),
      tree: this.tree.snapshot(),
      tombstones: { recent: [...this.tombstones.entries()], floor: this.tombstoneFloor },
    };
  }

  restore(snapshot: unknown): void {
    const snap = snapshot as CoordStoreSnapshot;
    assert(snap && snap.version === 1, 'not a coord store snapshot');
    this.kv.restore(snap.kv);
    this.leases.restore(snap.leases);
    this.sessions.restore(snap.sessions);
    this.catalog.restore(snap.catalog);
    this.tree.restore(snap.tree);
    this.applied = snap.appliedIndex;
    this.clock = snap.clockUs;
    this.tombstones.clear();
    for (const [k, i] of snap.tombstones?.recent ?? []) this.tombstones.set(k, i);
    // An older snapshot without tombstones: be conservative (spurious wake-ups, never missed ones).
    this.tombstoneFloor = snap.tombstones?.floor ?? snap.kv.revision;
    for (const t of TOPICS) this.topicIndex[t] = snap.topics[t];
    // Derived indexes come back from the entries themselves.
    this.sessionKeys.clear();
    for (const e of this.kv.range('')) {
      if (e.lease !== undefined && this.leases.has(e.lease)) this.leases.attach(e.lease, e.key);
      if (e.session !== undefined) {
        assert(this.sessions.get(e.session) !== undefined, () => `key ${e.key} locked by unknown session ${e.session}`);
        let set = this.sessionKeys.get(e.session);
        if (!set) this.sessionKeys.set(e.session, (set = new Set()));
        set.add(e.key);
      }
    }
    for (const l of [...this.restoreListeners]) l();
  }
}
