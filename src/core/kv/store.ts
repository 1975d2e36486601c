/**
 * KvStore: the replicated key/value map as a plain data structure (get / range / put /
 * delete / deletePrefix / cas / txn / snapshot / restore).
 *
 * It is deliberately not a state machine: the KV state machine (state-machine.ts) and the
 * coordination services (sessions, locks, leases) both compose it and call its methods with
 * the Raft index of the entry they are applying. Every mutating method takes that index,
 * which becomes the store's revision and the touched entries' modifyIndex (Consul's
 * ModifyIndex / etcd's mod_revision). Several mutations may share one index (a transaction
 * applies all its operations at the index of its log entry, as etcd gives a txn one main
 * revision), so the rule asserted is `index >= revision`, never `>`.
 *
 * Deterministic: keys are kept in a sorted array (JS string order, i.e. UTF-16 code units)
 * so `range` and `snapshot` never depend on Map insertion history.
 */
import { assert } from '../env.ts';
import type { CasExpect, KvCompare, TxnOp, TxnOpResult } from './commands.ts';
import { applyTxnOp, casMatches, compareHolds } from './txn.ts';
import type { KvEntry, KvReader, PutOptions } from './types.ts';

export type { PutOptions } from './types.ts';


/** The serialisable form of the whole store (snapshot / restore). */
export interface KvStoreSnapshot {
  readonly revision: number;
  /** In key order. */
  readonly entries: readonly KvEntry[];
}

/** Upper bound on the number of keys: every structure is bounded (TigerBeetle style). */
export const KV_MAX_KEYS = 1_000_000;

export class KvStore implements KvReader {
  private readonly entries = new Map<string, KvEntry>();
  /** Every key of `entries`, sorted; kept in step with the map on each create / delete. */
  private sortedKeys: string[] = [];
  private rev = 0;
  /**
   * Undo log of an open all-or-nothing batch (a Consul /v1/txn): the revision before it and
   * each touched key's entry before its first change (undefined = absent). null: no batch.
   */
  private undo: { readonly rev: number; readonly prior: Map<string, KvEntry | undefined> } | null = null;
  /** Node-local observers of changed keys (hanode's per-key blocking-query index); never part of the state. */
  private readonly keyListeners: ((key: string) => void)[] = [];

  /**
   * Calls `fn(key)` for every key a put, delete or batch rollback changes, synchronously and
   * in order (a restore() changes every key: its callers use CoordStore.onRestore). Returns
   * an unsubscribe function.
   */
  onKeyChange(fn: (key: string) => void): () => void {
    this.keyListeners.push(fn);
    return () => {
      const i = this.keyListeners.indexOf(fn);
      if (i >= 0) this.keyListeners.splice(i, 1);
    };
  }

  private changed(key: string): void {
    for (const l of this.keyListeners) l(key);
  }

  revision(): number {
    return this.rev;
  }

  size(): number {
    return this.entries.size;
  }

  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  /** Entries whose key starts with prefix, in key order ('' = every entry). */
  range(prefix: string, limit: number = Number.MAX_SAFE_INTEGER): KvEntry[] {
    assert(limit >= 0, 'range limit must be >= 0');
    const out: KvEntry[] = [];
    for (let i = this.lowerBound(prefix); i < this.sortedKeys.length && out.length < limit; i++) {
      const key = this.sortedKeys[i]!;
      if (!key.startsWith(prefix)) break;
      out.push(this.entries.get(key)!);
    }
    return out;
  }

  /** Keys starting with prefix, in key order. */
  keys(prefix = ''): string[] {
    return this.range(prefix).map((e) => e.key);
  }

  /**
   * Creates or replaces key at `index`. Returns the new entry.
   * Like Consul's KVSet: createIndex and (unless given) session and lockIndex survive an
   * update; version counts modifications since creation (etcd's version: 1 on create).
   */
  put(key: string, value: string, index: number, opts: PutOptions = {}): KvEntry {
    this.checkIndex(index);
    assert(typeof value === 'string', () => `value of ${key} must be a string`);
    const old = this.entries.get(key);
    this.remember(key, old);
    const session = opts.session === undefined ? old?.session : opts.session ?? undefined;
    const lease = opts.lease ?? undefined;
    const entry: KvEntry = {
      key,
      value,
      flags: opts.flags ?? '0',
      createIndex: old ? old.createIndex : index,
      modifyIndex: index,
      lockIndex: opts.lockIndex ?? old?.lockIndex ?? 0,
      version: old ? old.version + 1 : 1,
      ...(session !== undefined ? { session } : {}),
      ...(lease !== undefined ? { lease } : {}),
    };
    assert(entry.lockIndex >= 0 && Number.isInteger(entry.lockIndex), 'lockIndex must be a non-negative integer');
    if (!old) {
      assert(this.entries.size < KV_MAX_KEYS, `kv store full (${KV_MAX_KEYS} keys)`);
      this.sortedKeys.splice(this.lowerBound(key), 0, key);
    }
    this.entries.set(key, entry);
    this.rev = index;
    this.checkShape();
    this.changed(key);
    return entry;
  }

  /** Removes key at `index`; returns the removed entry, undefined (and no revision change) if absent. */
  delete(key: string, index: number): KvEntry | undefined {
    this.checkIndex(index);
    const old = this.entries.get(key);
    if (!old) return undefined;
    this.remember(key, old);
    this.entries.delete(key);
    const at = this.lowerBound(key);
    assert(this.sortedKeys[at] === key, () => `sorted key index lost ${key}`);
    this.sortedKeys.splice(at, 1);
    this.rev = index;
    this.checkShape();
    this.changed(key);
    return old;
  }

  /** Removes every key starting with prefix at `index`; returns the removed entries in key order. */
  deletePrefix(prefix: string, index: number): KvEntry[] {
    this.checkIndex(index);
    const gone = this.range(prefix);
    if (gone.length === 0) return gone;
    for (const e of gone) this.remember(e.key, e);
    const from = this.lowerBound(prefix);
    this.sortedKeys.splice(from, gone.length);
    for (const e of gone) this.entries.delete(e.key);
    this.rev = index;
    this.checkShape();
    for (const e of gone) this.changed(e.key);
    return gone;
  }

  /**
   * Compare-and-set: puts value at `index` if the expectation holds (the value, null = absent;
   * or Consul's ModifyIndex, 0 = absent). Returns whether it did and the key's entry after.
   */
  cas(key: string, expect: CasExpect, value: string, index: number, opts: PutOptions = {}): { succeeded: boolean; entry: KvEntry | null } {
    this.checkIndex(index);
    const cur = this.entries.get(key);
    if (!casMatches(cur, expect)) return { succeeded: false, entry: cur ?? null };
    return { succeeded: true, entry: this.put(key, value, index, opts) };
  }

  /**
   * etcd-style transaction: if every comparison holds, applies `success`, else `failure`,
   * all at `index` (one revision for the whole transaction). Returns the branch and results.
   */
  txn(compare: readonly KvCompare[], success: readonly TxnOp[], failure: readonly TxnOp[], index: number): { succeeded: boolean; results: TxnOpResult[] } {
    this.checkIndex(index);
    const succeeded = compare.every((c) => compareHolds(this.entries.get(c.key), c));
    const results = (succeeded ? success : failure).map((op) => applyTxnOp(this, op, index));
    return { succeeded, results };
  }

  /**
   * Sets the revision without changing an entry: for composed stores whose own mutations
   * (a session created, a lease granted) must advance the shared revision.
   */
  touch(index: number): void {
    this.checkIndex(index);
    this.rev = index;
  }

  /**
   * Opens an all-or-nothing batch: every change until commitBatch / rollbackBatch can be
   * undone. Consul applies a transaction's operations one after another, each seeing the ones
   * before, and keeps none of them if any fails; this is how the store gets the second half.
   * One batch at a time; the undo log holds one entry per touched key.
   */
  beginBatch(): void {
    assert(this.undo === null, 'a kv batch is already open');
    this.undo = { rev: this.rev, prior: new Map() };
  }

  /** Keeps the batch's changes. */
  commitBatch(): void {
    assert(this.undo !== null, 'no kv batch to commit');
    this.undo = null;
  }

  /** Puts back every entry the batch touched, and the revision it started from. */
  rollbackBatch(): void {
    const undo = this.undo;
    assert(undo !== null, 'no kv batch to roll back');
    this.undo = null;
    for (const [key, prior] of undo.prior) {
      const had = this.entries.has(key);
      if (prior === undefined) {
        if (!had) continue;
        this.entries.delete(key);
        const at = this.lowerBound(key);
        assert(this.sortedKeys[at] === key, () => `sorted key index lost ${key}`);
        this.sortedKeys.splice(at, 1);
      } else {
        if (!had) this.sortedKeys.splice(this.lowerBound(key), 0, key);
        this.entries.set(key, prior);
      }
    }
    this.rev = undo.rev;
    this.checkShape();
    for (const key of undo.prior.keys()) this.changed(key);
  }

  /** Records key's entry before the open batch's first change to it. */
  private remember(key: string, old: KvEntry | undefined): void {
    if (this.undo !== null && !this.undo.prior.has(key)) this.undo.prior.set(key, old);
  }

  snapshot(): KvStoreSnapshot {
    return { revision: this.rev, entries: this.sortedKeys.map((k) => this.entries.get(k)!) };
  }

  restore(snap: KvStoreSnapshot): void {
    assert(this.undo === null, 'restore inside a kv batch');
    assert(snap && Array.isArray(snap.entries) && Number.isInteger(snap.revision), 'bad kv snapshot');
    this.entries.clear();
    this.sortedKeys = [];
    for (const e of snap.entries) {
      assert(e.modifyIndex <= snap.revision, () => `snapshot entry ${e.key} newer than revision`);
      assert(!this.entries.has(e.key), () => `snapshot repeats key ${e.key}`);
      this.entries.set(e.key, { ...e });
      this.sortedKeys.push(e.key);
    }
    this.sortedKeys.sort(compareKeys);
    this.rev = snap.revision;
    this.checkShape();
  }

  private checkIndex(index: number): void {
    assert(Number.isInteger(index) && index > 0, () => `kv index must be a positive integer, got ${index}`);
    // Raft applies entries in index order; a smaller index means a replay or a bug.
    assert(index >= this.rev, () => `kv index ${index} goes back from revision ${this.rev}`);
  }

  /** Cheap structural invariant (O(1)); the full order check runs in tests via `checkOrder`. */
  private checkShape(): void {
    assert(this.sortedKeys.length === this.entries.size, 'sorted key index out of step with the map');
  }

  /** O(n) check that the key index is sorted and complete (tests call it; too slow for every op). */
  checkOrder(): void {
    for (let i = 1; i < this.sortedKeys.length; i++) {
      assert(this.sortedKeys[i - 1]! < this.sortedKeys[i]!, 'sorted keys out of order');
    }
    for (const k of this.sortedKeys) {
      const e = this.entries.get(k);
      assert(e !== undefined && e.key === k, () => `key index names missing ${k}`);
      assert(e.createIndex <= e.modifyIndex && e.modifyIndex <= this.rev, () => `indexes of ${k} out of order`);
      assert(e.version >= 1, () => `version of ${k} < 1`);
    }
  }

  /** First position whose key is >= key. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedKeys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
