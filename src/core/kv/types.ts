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
