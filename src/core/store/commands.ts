/**
 * The one command union every Raft node of the coordination store applies, and its results.
 *
 * Commands that depend on time carry `atUs`: the proposing leader's clock. Apply never reads
 * a clock; it advances a replicated clock to max(previous, atUs), so every replica agrees on
 * "now" for lock delays, check critical-since times and znode mtimes, and that clock never
 * runs backwards even when a new leader's clock is behind.
 */
import type { Micros } from '../env.ts';
import type { KvCommand, KvCommandResult } from '../kv/index.ts';
import type { KvEntry } from '../kv/types.ts';
import type { CatalogNode, ServiceInput } from '../coord/catalog.ts';
import type { CheckInput, CheckStatus } from '../coord/checks.ts';
import type { LeaseRecord } from '../coord/leases.ts';
import type { SessionCreateInput, SessionRecord } from '../coord/sessions.ts';
import type { MultiResult, TreeOp, TreeOpResult, TreeResult } from '../coord/tree/types.ts';
import type { KvTxnError, KvTxnOp, KvTxnResultEntry } from './kv-txn.ts';

export type StoreCommandBody =
  /** A plain KV command (put, delete, delete-prefix, cas, txn), applied by the KV state machine. */
  | { readonly type: 'kv'; readonly cmd: KvCommand }
  /** Consul ?acquire=session: take the lock (LockIndex + 1) or update it if already held. */
  | { readonly type: 'kv.acquire'; readonly key: string; readonly value: string; readonly session: string; readonly flags?: string }
  /** Consul ?release=session. */
  | { readonly type: 'kv.release'; readonly key: string; readonly value?: string; readonly session: string; readonly flags?: string }
  /** Consul /v1/txn KV operations, all or nothing, in order (see kv-txn.ts); lock/unlock are acquire/release. */
  | { readonly type: 'kv.txn'; readonly ops: readonly KvTxnOp[] }
  | { readonly type: 'lease.grant'; readonly ttlUs: Micros; readonly name?: string }
  | { readonly type: 'lease.revoke'; readonly id: string }
  /** Proposed by the leader's LeaseDriver when a lease's deadline passed. */
  | { readonly type: 'lease.expire'; readonly id: string }
  /** A put attached to a lease (etcd `put --lease`). */
  | { readonly type: 'lease.put'; readonly key: string; readonly value: string; readonly lease: string; readonly flags?: string }
  | { readonly type: 'session.create'; readonly input: SessionCreateInput }
  | { readonly type: 'session.destroy'; readonly id: string }
  /** Proposed by the leader's SessionDriver when a session's TTL (x2) passed. */
  | { readonly type: 'session.invalidate'; readonly id: string; readonly reason: string }
  | {
      readonly type: 'catalog.register';
      readonly node: string;
      readonly address?: string;
      readonly meta?: Record<string, string>;
      readonly service?: ServiceInput;
      readonly checks?: readonly CheckInput[];
    }
  | { readonly type: 'catalog.deregister'; readonly node: string; readonly serviceId?: string; readonly checkId?: string }
  /** TTL pass/warn/fail, a probe result, or the leader's "TTL expired". */
  | { readonly type: 'check.update'; readonly node: string; readonly checkId: string; readonly status: CheckStatus; readonly output: string }
  | { readonly type: 'zk.session.create'; readonly timeoutUs: Micros }
  | { readonly type: 'zk.session.close'; readonly session: string }
  /** Proposed by the leader's TreeDriver when a session missed its timeout. */
  | { readonly type: 'zk.session.expire'; readonly session: string }
  | { readonly type: 'zk.op'; readonly session: string; readonly op: TreeOp }
  | { readonly type: 'zk.multi'; readonly session: string; readonly ops: readonly TreeOp[] }
  /** Proposed by the leader's ContainerManager for an empty container. */
  | { readonly type: 'zk.reap'; readonly path: string }
  /** Orders nothing; used as ZooKeeper's sync() and as a barrier. */
  | { readonly type: 'noop' };

export type StoreCommand = StoreCommandBody & {
  /** The proposer's clock (µs); absent = the replicated clock does not move. */
  readonly atUs?: Micros;
};

export type StoreCommandType = StoreCommandBody['type'];

export type StoreResult =
  | { readonly type: 'kv'; readonly ok: true; readonly result: KvCommandResult }
  | { readonly type: 'kv.acquire'; readonly ok: true; readonly acquired: boolean; readonly entry: KvEntry | null }
  | { readonly type: 'kv.release'; readonly ok: true; readonly released: boolean; readonly entry: KvEntry | null }
  /** A failed transaction (errors non-null) changed nothing; results is then null, as in Consul. */
  | {
      readonly type: 'kv.txn';
      readonly ok: true;
      readonly results: readonly KvTxnResultEntry[] | null;
      readonly errors: readonly KvTxnError[] | null;
    }
  | { readonly type: 'lease.grant'; readonly ok: true; readonly lease: LeaseRecord }
  | { readonly type: 'lease.revoke' | 'lease.expire'; readonly ok: true; readonly found: boolean; readonly deletedKeys: readonly string[] }
  | { readonly type: 'lease.put'; readonly ok: true; readonly entry: KvEntry }
  | { readonly type: 'session.create'; readonly ok: true; readonly session: SessionRecord }
  | { readonly type: 'session.destroy' | 'session.invalidate'; readonly ok: true; readonly found: boolean }
  | { readonly type: 'catalog.register'; readonly ok: true; readonly node: CatalogNode }
  | { readonly type: 'catalog.deregister'; readonly ok: true; readonly removed: boolean }
  | { readonly type: 'check.update'; readonly ok: true; readonly changed: boolean }
  | { readonly type: 'zk.session.create'; readonly ok: true; readonly session: string; readonly timeoutUs: Micros }
  | { readonly type: 'zk.session.close' | 'zk.session.expire'; readonly ok: true; readonly found: boolean }
  | { readonly type: 'zk.op'; readonly ok: true; readonly result: TreeResult<TreeOpResult> }
  | { readonly type: 'zk.multi'; readonly ok: true; readonly result: MultiResult }
  | { readonly type: 'zk.reap'; readonly ok: true; readonly reaped: boolean }
  | { readonly type: 'noop'; readonly ok: true }
  /** Refused (a bad argument, an unknown lease or session): changes nothing on any replica. */
  | { readonly type: StoreCommandType | 'unknown'; readonly ok: false; readonly error: string };
