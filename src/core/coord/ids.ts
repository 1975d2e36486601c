/**
 * Deterministic ids for replicated objects.
 *
 * Every replica applies the same entry at the same Raft index, so an id derived from that
 * index is identical everywhere and unique (no two entries share an index). Nothing random
 * is involved, which keeps apply() a pure function.
 */
import { assert } from '../env.ts';

/** Lease ids (etcd's LeaseID is an int64; ours is the granting entry's index in decimal). */
export function leaseIdFromIndex(index: number): string {
  assert(Number.isSafeInteger(index) && index > 0, () => `lease id from a bad index ${index}`);
  return String(index);
}

/**
 * Session ids are UUID-shaped like Consul's, so HTTP clients that parse them keep working;
 * the last group carries the index in hex (12 hex digits hold 2^48 entries).
 */
export function sessionIdFromIndex(index: number): string {
  assert(Number.isSafeInteger(index) && index > 0 && index < 2 ** 48, () => `session id from a bad index ${index}`);
  return `5e55104d-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

/** ZooKeeper session ids are 64-bit numbers; ours is the creating entry's index. */
export function zkSessionIdFromIndex(index: number): string {
  assert(Number.isSafeInteger(index) && index > 0, () => `zk session id from a bad index ${index}`);
  return `0x${index.toString(16)}`;
}
