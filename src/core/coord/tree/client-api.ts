/**
 * The small, callback-based client interface the recipes are written against. No Promises:
 * every callback runs from an Env event, so the simulator orders it like everything else.
 */
import type { Stat, CreateMode, MultiResult, TreeOp, ZkError } from './types.ts';
import type { WatchedEvent } from './protocol.ts';

export type Watcher = (event: WatchedEvent) => void;
export type SessionState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed';

export interface TreeClient {
  /** The session id once connected. */
  sessionId(): string | undefined;
  state(): SessionState;
  onState(listener: (s: SessionState) => void): void;

  create(path: string, data: string, mode: CreateMode, cb: (err: ZkError | null, path?: string, stat?: Stat) => void): void;
  delete(path: string, version: number, cb: (err: ZkError | null) => void): void;
  setData(path: string, data: string, version: number, cb: (err: ZkError | null, stat?: Stat) => void): void;
  getData(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, data?: string, stat?: Stat) => void): void;
  exists(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, stat?: Stat | null) => void): void;
  getChildren(path: string, watcher: Watcher | undefined, cb: (err: ZkError | null, children?: readonly string[], stat?: Stat) => void): void;
  multi(ops: readonly TreeOp[], cb: (err: ZkError | null, result?: MultiResult) => void): void;
  sync(path: string, cb: (err: ZkError | null) => void): void;
  /** A persistent recursive watch (ZooKeeper 3.6 addWatch PERSISTENT_RECURSIVE). */
  addWatch(path: string, watcher: Watcher, cb: (err: ZkError | null) => void): void;
  close(cb?: (err: ZkError | null) => void): void;
}
