/**
 * Consul's /v1/txn KV operations, executed inside one store command (one Raft entry).
 *
 * Rules follow Consul's state store (agent/consul/state/txn.go txnKVS, kvs.go) and its Txn
 * endpoint (agent/consul/txn_endpoint.go preCheck):
 * - a pre-check first: every op needs a Key (delete-tree excepted: "Must provide key") and no
 *   `lock` may target a key under lock-delay; if any pre-check fails, those errors are the
 *   answer and nothing runs;
 * - then the operations run in order, each seeing the changes of the ones before it; a failing
 *   op adds {OpIndex, What} and the rest still run (so every failing op is reported); if any
 *   failed, the whole transaction is rolled back (the caller's KV batch) and Results is null;
 * - `lock` / `unlock` are the store's acquire / release (the host's), so LockIndex and Session
 *   change exactly as with ?acquire= / ?release=; Value and Flags come from the op (absent =
 *   empty value, flags 0), as Consul builds the entry from the op.
 * - results: get and get-tree carry the value; set, cas, lock, unlock, check-index and
 *   check-session return the entry with its value blanked; the others return nothing.
 * Lock delay is checked on the replicated clock (the host's), so every replica agrees.
 */
import { casMatches, KV_MAX_KEY_CHARS, KV_MAX_RANGE, KV_MAX_TXN_OPS, KV_MAX_VALUE_CHARS, type KvStore } from '../kv/index.ts';
import type { KvEntry } from '../kv/types.ts';


/** The KV verbs Consul's /v1/txn accepts. */
export const KV_TXN_VERBS = [
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
] as const;
export type KvTxnVerb = (typeof KV_TXN_VERBS)[number];

/** One KV operation of a transaction: Consul's TxnKVOp with its DirEnt fields. */
export interface KvTxnOp {
  /** Any string: an unknown verb fails at its index ("unknown KV verb"), as in Consul. */
  readonly verb: string;
  readonly key: string;
  /** Absent = empty (Consul's nil Value). */
  readonly value?: string;
  /** Decimal uint64; absent = '0'. */
  readonly flags?: string;
  /** ModifyIndex for cas, check-index, delete-cas; absent = 0. */
  readonly index?: number;
  /** For lock, unlock, check-session; absent = ''. */
  readonly session?: string;
}

/** Consul's TxnError. */
export interface KvTxnError {
  readonly opIndex: number;
  readonly what: string;
}

/** One entry of Consul's flat Results list. */
export interface KvTxnResultEntry {
  /** Index of the operation that produced it. */
  readonly opIndex: number;
  readonly entry: KvEntry;
  /** get and get-tree return the value; every other verb blanks it. */
  readonly withValue: boolean;
}

export type LockOutcome =
  | { readonly ok: true; readonly entry: KvEntry }
  | { readonly ok: false; readonly why: 'invalid-session' | 'held' | 'lock-delay'; readonly entry: KvEntry | null };

export type UnlockOutcome =
  | { readonly ok: true; readonly entry: KvEntry }
  | { readonly ok: false; readonly why: 'invalid-session' | 'not-held'; readonly entry: KvEntry | null };

/** What the transaction needs from the store around the KV map: its one copy of the lock rules. */
export interface KvTxnHost {
  readonly kv: KvStore;
  /** Whether key is under lock-delay on the replicated clock. */
  isLockDelayed(key: string): boolean;
  /** The store's acquire (Consul KVSLock). */
  lock(key: string, value: string, session: string, flags: string, index: number): LockOutcome;
  /** The store's release (Consul KVSUnlock). */
  unlock(key: string, value: string, session: string, flags: string, index: number): UnlockOutcome;
}

export interface KvTxnOutcome {
  readonly results: KvTxnResultEntry[];
  /** Empty when every operation succeeded. */
  readonly errors: KvTxnError[];
  /** Keys deleted (for tombstones), possibly re-created later in the same transaction. */
  readonly deleted: string[];
}

/** Go's %q for the ASCII keys and ids we see. */
const q = (s: string): string => JSON.stringify(s);

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** null when `ops` is a well-formed operation list, else why not (checked before proposing and in apply). */
export function kvTxnOpsError(ops: unknown): string | null {
  if (!Array.isArray(ops)) return 'kv.txn needs an ops array';
  if (ops.length > KV_MAX_TXN_OPS) return `Transaction contains too many operations (${ops.length} > ${KV_MAX_TXN_OPS})`;
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    if (!isObj(op)) return `op ${i}: not an object`;
    if (typeof op.verb !== 'string' || op.verb.length > 64) return `op ${i}: verb must be a short string`;
    if (typeof op.key !== 'string' || op.key.length > KV_MAX_KEY_CHARS) return `op ${i}: key must be a string of at most ${KV_MAX_KEY_CHARS} chars`;
    if (op.value !== undefined && (typeof op.value !== 'string' || op.value.length > KV_MAX_VALUE_CHARS)) {
      return `op ${i}: value must be a string of at most ${KV_MAX_VALUE_CHARS} chars`;
    }
    if (op.flags !== undefined && (typeof op.flags !== 'string' || !/^[0-9]{1,20}$/.test(op.flags))) return `op ${i}: flags must be a decimal string`;
    if (op.index !== undefined && !(Number.isSafeInteger(op.index) && (op.index as number) >= 0)) return `op ${i}: index must be a non-negative integer`;
    if (op.session !== undefined && (typeof op.session !== 'string' || op.session.length > 256)) return `op ${i}: session must be a short string`;
  }
  return null;
}

/**
 * Runs a well-formed operation list against host.kv at `index`. Changes the store even when
 * errors come back: the caller runs it inside a KV batch and rolls back on errors.
 */
export function runKvTxn(host: KvTxnHost, ops: readonly KvTxnOp[], index: number): KvTxnOutcome {
  const results: KvTxnResultEntry[] = [];
  const errors: KvTxnError[] = [];
  const deleted: string[] = [];

  // Consul's Txn.preCheck (kvsPreApply): before anything is applied.
  ops.forEach((op, i) => {
    if (op.key === '' && op.verb !== 'delete-tree') errors.push({ opIndex: i, what: 'Must provide key' });
    else if (op.verb === 'lock' && host.isLockDelayed(op.key)) errors.push({ opIndex: i, what: `failed to lock key ${q(op.key)} due to lock delay` });
  });
  if (errors.length > 0) return { results, errors, deleted };

  const kv = host.kv;
  ops.forEach((op, opIndex) => {
    const key = op.key;
    const value = op.value ?? '';
    const flags = op.flags ?? '0';
    const session = op.session ?? '';
    const cmpIndex = op.index ?? 0;
    const fail = (what: string) => errors.push({ opIndex, what });
    const out = (entry: KvEntry, withValue = false) => results.push({ opIndex, entry, withValue });
    const cur = kv.get(key);
    switch (op.verb) {
      case 'set':
        out(kv.put(key, value, index, { flags }));
        break;
      case 'cas':
        // Index 0: only if absent; else the current ModifyIndex must match (Consul kvsSetCASTxn).
        if (!casMatches(cur, { modifyIndex: cmpIndex })) fail(`failed to set key ${q(key)}, index is stale`);
        else out(kv.put(key, value, index, { flags }));
        break;
      case 'lock': {
        if (session === '') {
          fail('missing session');
          break;
        }
        const r = host.lock(key, value, session, flags, index);
        if (r.ok) out(r.entry);
        else if (r.why === 'invalid-session') fail(`invalid session ${q(session)}`);
        else if (r.why === 'lock-delay') fail(`failed to lock key ${q(key)} due to lock delay`);
        else fail(`failed to lock key ${q(key)}, lock is already held`);
        break;
      }
      case 'unlock': {
        if (session === '') {
          fail('missing session');
          break;
        }
        const r = host.unlock(key, value, session, flags, index);
        if (r.ok) out(r.entry);
        else fail(`failed to unlock key ${q(key)}, lock isn't held, or is held by another session`);
        break;
      }
      case 'get':
        if (cur) out(cur, true);
        else fail(`key ${q(key)} doesn't exist`);
        break;
      case 'get-tree':
        for (const e of kv.range(key, KV_MAX_RANGE)) out(e, true);
        break;
      case 'check-index':
        if (!cur) fail(`failed to check index, key ${q(key)} doesn't exist`);
        else if (cur.modifyIndex !== cmpIndex) fail(`failed index check for key ${q(key)}, current modify index ${cur.modifyIndex} != ${cmpIndex}`);
        else out(cur);
        break;
      case 'check-session':
        if (!cur) fail(`failed to check session, key ${q(key)} doesn't exist`);
        else if ((cur.session ?? '') !== session) fail(`failed session check for key ${q(key)}, current session ${q(cur.session ?? '')} != ${q(session)}`);
        else out(cur);
        break;
      case 'check-not-exists':
        if (cur) fail(`key ${q(key)} exists`);
        break;
      case 'delete':
        if (kv.delete(key, index)) deleted.push(key);
        break;
      case 'delete-tree':
        for (const e of kv.deletePrefix(key, index)) deleted.push(e.key);
        break;
      case 'delete-cas':
        // Consul kvsDeleteCASTxn: an absent key is a success (nothing to delete).
        if (cur && cur.modifyIndex !== cmpIndex) fail(`failed to delete key ${q(key)}, index is stale`);
        else if (cur && kv.delete(key, index)) deleted.push(key);
        break;
      default:
        fail(`unknown KV verb ${q(op.verb)}`);
    }
  });
  return { results, errors, deleted };
}
