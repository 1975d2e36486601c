/**
 * The KV commands Raft replicates, the reads served after a read barrier, and their results.
 * Plain msgpack-serialisable objects with a `type` discriminant.
 */
import type { KvEntry } from './types.ts';

/**
 * etcd-style comparison of one key. A missing key compares as value null and as 0 for
 * every index / version target (etcd: a missing key has create_revision = mod_revision =
 * version = 0), so `{target:'version', op:'==', value:0}` means "absent".
 */
export interface KvCompare {
  readonly key: string;
  readonly target: 'value' | 'version' | 'createIndex' | 'modifyIndex' | 'lockIndex';
  readonly op: '==' | '!=' | '<' | '>';
  /** A string for 'value' (or null = absent), a number for the other targets. */
  readonly value: string | number | null;
}

/** One operation of a transaction branch. */
export type TxnOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'range'; readonly prefix: string; readonly limit?: number }
  | { readonly op: 'put'; readonly key: string; readonly value: string; readonly flags?: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'delete-prefix'; readonly prefix: string };

export type TxnOpResult =
  | { readonly op: 'get'; readonly entry: KvEntry | null }
  | { readonly op: 'range'; readonly entries: readonly KvEntry[] }
  | { readonly op: 'put'; readonly entry: KvEntry; readonly prev: KvEntry | null }
  | { readonly op: 'delete'; readonly prev: KvEntry | null }
  | { readonly op: 'delete-prefix'; readonly deleted: number };

/** What a CAS compares: the current value (null = absent) or Consul's ModifyIndex (0 = absent). */
export type CasExpect = { readonly value: string | null } | { readonly modifyIndex: number };

/** Commands replicated through Raft and applied by KvStateMachine. */
export type KvCommand =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly flags?: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'delete-prefix'; readonly prefix: string }
  | { readonly type: 'cas'; readonly key: string; readonly expect: CasExpect; readonly value: string }
  | {
      readonly type: 'txn';
      readonly compare: readonly KvCompare[];
      readonly success: readonly TxnOp[];
      readonly failure: readonly TxnOp[];
    };

/** Every result carries the store revision right after the command was applied. */
export type KvCommandResult =
  | { readonly type: 'put'; readonly revision: number; readonly entry: KvEntry; readonly prev: KvEntry | null }
  | { readonly type: 'delete'; readonly revision: number; readonly prev: KvEntry | null }
  | { readonly type: 'delete-prefix'; readonly revision: number; readonly deleted: number }
  /** entry: the key's entry after the command (the new one on success, the unchanged one on a mismatch). */
  | { readonly type: 'cas'; readonly revision: number; readonly succeeded: boolean; readonly entry: KvEntry | null }
  | { readonly type: 'txn'; readonly revision: number; readonly succeeded: boolean; readonly results: readonly TxnOpResult[] }
  /** A malformed command: applied as a no-op on every replica (never thrown: that would stop them all). */
  | { readonly type: 'error'; readonly revision: number; readonly reason: string };

/** Reads, served by the leader after a read barrier (never replicated). */
export type KvRead =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'range'; readonly prefix: string; readonly limit?: number };

export type KvReadResult =
  | { readonly type: 'get'; readonly revision: number; readonly entry: KvEntry | null }
  | { readonly type: 'range'; readonly revision: number; readonly entries: readonly KvEntry[] };

/**
 * Bound on operations in one transaction, the one limit for both transaction shapes the store
 * takes: an etcd-style txn (compares + ops of the larger branch) and a Consul /v1/txn (its ops).
 * Consul allows "up to 64 operations" (api docs, /v1/txn); etcd's `--max-txn-ops` default is 128
 * (etcd docs, configuration flags). The lower one holds for both, so a transaction valid in one
 * API is never refused by the other's rule.
 */
export const KV_MAX_TXN_OPS = 64;

/**
 * Bound on a key's length (chars). Our own choice, far below etcd's whole-request bound
 * (`--max-request-bytes`, default 1.5 MiB), so one bad client cannot bloat every replica.
 */
export const KV_MAX_KEY_CHARS = 4096;

/** Bound on a value's size: Consul's KV limit is 512 KiB per value (Consul docs, "KV store" limits). */
export const KV_MAX_VALUE_CHARS = 512 * 1024;

/** Bound on entries one range read returns (a read reply must fit in one message). */
export const KV_MAX_RANGE = 10_000;
