/**
 * The replicated key/value map's public shape, shared by the KV state machine, the
 * coordination services (sessions and locks act on KV entries) and the HTTP API.
 *
 * Indexes are Raft log indexes, as in Consul: the store's revision is the index of the
 * last entry that changed it; an entry's createIndex / modifyIndex are the indexes of the
 * entries that created / last modified it (etcd's create_revision / mod_revision).
 */
export interface KvEntry {
  readonly key: string;
  /** Values are strings; binary payloads travel as latin1 strings (one char per byte). */
  readonly value: string;
  /** Consul's opaque 64-bit flags, as a decimal string so no precision is lost. */
  readonly flags: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
  /** Number of times a session acquired this key: the fencing token (Consul LockIndex). */
  readonly lockIndex: number;
  /** Session holding the lock, if any. */
  readonly session?: string;
  /** Lease the key is attached to, if any (etcd-style). */
  readonly lease?: string;
  /** Number of modifications since creation (etcd's version). */
  readonly version: number;
}

/** Reads a store offers to every service on a node (local, after a read barrier for linearizability). */
export interface KvReader {
  /** The revision (Raft index) the store reflects. */
  revision(): number;
  get(key: string): KvEntry | undefined;
  /** Entries whose key starts with prefix, in key order. */
  range(prefix: string): KvEntry[];
}

/** What a put may set besides the value. Omitted fields follow Consul's KVSet rules (see KvStore.put). */
export interface PutOptions {
  /** Consul's opaque flags (decimal string). Default '0': like Consul, every PUT sets flags. */
  readonly flags?: string;
  /** undefined: keep the existing session; null: clear it; string: set it. */
  readonly session?: string | null;
  /** undefined or null: no lease (etcd: a put without a lease detaches the key from its old lease). */
  readonly lease?: string | null;
  /** undefined: keep the existing lockIndex (0 for a new key); a number: set it. */
  readonly lockIndex?: number;
}

/** The store operations one transaction op applies (KvStore implements it; txn.ts needs no more). */
export interface TxnTarget {
  get(key: string): KvEntry | undefined;
  range(prefix: string, limit?: number): KvEntry[];
  put(key: string, value: string, index: number, opts?: PutOptions): KvEntry;
  delete(key: string, index: number): KvEntry | undefined;
  deletePrefix(prefix: string, index: number): KvEntry[];
}
