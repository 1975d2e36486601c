/**
 * ZooKeeper data-model types: stat, create modes, error codes, watch events.
 * Names and numeric codes follow ZooKeeper's KeeperException.Code and Watcher.Event.
 */
import type { Micros } from '../../env.ts';

export interface Stat {
  /** zxid (= Raft index here) of the create. */
  readonly czxid: number;
  /** zxid of the last setData (czxid until then). */
  readonly mzxid: number;
  /** Replicated (leader-stamped) times of create and last modification, in µs. */
  readonly ctime: Micros;
  readonly mtime: Micros;
  /** Number of setData calls. */
  readonly version: number;
  /** Number of changes to the children (creates and deletes). */
  readonly cversion: number;
  /** ACL version; ACLs are not modelled, always 0. */
  readonly aversion: number;
  /** Owning session id, or '0' for a non-ephemeral node. */
  readonly ephemeralOwner: string;
  readonly dataLength: number;
  readonly numChildren: number;
  /** zxid of the last change to the children (czxid until then). */
  readonly pzxid: number;
}

export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistent_sequential'
  | 'ephemeral_sequential'
  /** Deleted by the server once it had children and has none left (ZooKeeper 3.5 containers). */
  | 'container';

export const ZK_ERROR_CODES = {
  Ok: 0,
  RuntimeInconsistency: -2,
  BadArguments: -8,
  NoNode: -101,
  BadVersion: -103,
  NoChildrenForEphemerals: -108,
  NodeExists: -110,
  NotEmpty: -111,
  SessionExpired: -112,
  /** removeWatches: the session holds no such watch. */
  NoWatcher: -121,
  /** Not a ZooKeeper code: the server's connection to the ensemble failed (client retries). */
  ConnectionLoss: -4,
} as const;

export type ZkError = Exclude<keyof typeof ZK_ERROR_CODES, 'Ok'>;

export type WatchEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

/** A change the tree made while applying an entry; the watch managers match it against watches. */
export interface TreeEvent {
  readonly type: WatchEventType;
  readonly path: string;
  readonly zxid: number;
}

/** One operation of a write request or of a multi(). */
export type TreeOp =
  | { readonly op: 'create'; readonly path: string; readonly data: string; readonly mode: CreateMode }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'setData'; readonly path: string; readonly data: string; readonly version: number }
  /** multi() only: fails the transaction unless the node has this version (-1: exists). */
  | { readonly op: 'check'; readonly path: string; readonly version: number };

export type TreeOpResult =
  | { readonly op: 'create'; readonly path: string; readonly stat: Stat }
  | { readonly op: 'delete' }
  | { readonly op: 'setData'; readonly stat: Stat }
  | { readonly op: 'check' };

export type TreeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ZkError };

/** multi(): all succeed, or the index of the first failure and its error (ZooKeeper reports
 * Ok for the ops before it and RuntimeInconsistency for those after). */
export type MultiResult =
  | { readonly ok: true; readonly results: readonly TreeOpResult[] }
  | { readonly ok: false; readonly failedAt: number; readonly error: ZkError; readonly errors: readonly (ZkError | 'Ok')[] };
