/**
 * What one applied entry changed, as seen by the node-local cores that sit beside the store:
 * the leader drivers (deadlines), the blocking-query hub and the tree servers (watches).
 */
import type { Micros } from '../env.ts';
import type { CheckStatus } from '../coord/checks.ts';
import type { TreeEvent } from '../coord/tree/types.ts';
import type { StoreCommand, StoreResult } from './commands.ts';

/** Tables a blocking read can wait on; each has the index of the last entry that changed it. */
export type Topic = 'kv' | 'leases' | 'sessions' | 'catalog' | 'tree';
export const TOPICS: readonly Topic[] = ['kv', 'leases', 'sessions', 'catalog', 'tree'];

export type StoreEffect =
  | { readonly kind: 'lease.granted'; readonly id: string; readonly ttlUs: Micros }
  | { readonly kind: 'lease.removed'; readonly id: string }
  | { readonly kind: 'session.created'; readonly id: string; readonly ttlUs: Micros }
  | { readonly kind: 'session.removed'; readonly id: string; readonly reason: string }
  /** Any registration or update of a check (resets a TTL check's deadline). */
  | { readonly kind: 'check.updated'; readonly node: string; readonly checkId: string; readonly status: CheckStatus }
  | { readonly kind: 'check.removed'; readonly node: string; readonly checkId: string }
  | { readonly kind: 'zk.session.created'; readonly id: string; readonly timeoutUs: Micros }
  | { readonly kind: 'zk.session.removed'; readonly id: string }
  | { readonly kind: 'zk.events'; readonly events: readonly TreeEvent[] };

export interface AppliedEntry {
  readonly index: number;
  readonly term: number;
  readonly command: StoreCommand;
  readonly result: StoreResult;
  readonly effects: readonly StoreEffect[];
  /** Topics whose index moved to `index`. */
  readonly topics: readonly Topic[];
}

export type ApplyListener = (entry: AppliedEntry) => void;
/** Called after restore(): listeners rebuild whatever they derived from the state. */
export type RestoreListener = () => void;
