/**
 * The client ↔ tree-server protocol (one Env service, 'zk'). Messages carry `cid` so many
 * clients can share one node's channel. Both sides use the reliable (FIFO) channel: that
 * FIFO order is what lets a client see a watch event before any reply that reflects the
 * change (ZooKeeper's ordering guarantee), and what keeps a session's requests in order.
 *
 * The reliable channel is FIFO but not gap-free: a partition or a loss burst drops what is
 * in flight and later messages go through again (the Env contract; TcpTransport reconnects
 * underneath). ZooKeeper runs on one TCP connection, where a gap breaks the connection. So
 * every message of a connection carries `conn` (a nonce the client draws for each connect
 * attempt) and `seq` (0, 1, 2, … per direction; the server's `zk.connected` is its seq 0):
 * a receiver that sees a gap treats it as a broken connection (ConnectionLoss), and the
 * client reconnects with SetWatches and its last zxid, which fires what it missed.
 */
import type { Micros } from '../../env.ts';
import type { CreateMode, MultiResult, Stat, TreeOp, WatchEventType, ZkError } from './types.ts';

/** persistent / persistentRecursive: ZooKeeper 3.6 addWatch modes PERSISTENT and PERSISTENT_RECURSIVE. */
export type WatchKind = 'data' | 'exists' | 'child' | 'persistent' | 'persistentRecursive';

export type ZkRequest =
  | { readonly op: 'create'; readonly path: string; readonly data: string; readonly mode: CreateMode }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'setData'; readonly path: string; readonly data: string; readonly version: number }
  | { readonly op: 'getData'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'exists'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'getChildren'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'multi'; readonly ops: readonly TreeOp[] }
  | { readonly op: 'sync'; readonly path: string }
  | { readonly op: 'addWatch'; readonly path: string; readonly mode: 'persistent' | 'persistentRecursive' }
  /** ZooKeeper's removeWatches: drops the session's watches of these kinds on the path; NoWatcher if there were none. */
  | { readonly op: 'removeWatch'; readonly path: string; readonly kinds: readonly WatchKind[] }
  /** ZooKeeper's checkWatches: Ok if the session holds a watch of one of these kinds on the path, else NoWatcher. */
  | { readonly op: 'checkWatch'; readonly path: string; readonly kinds: readonly WatchKind[] }
  /**
   * ZooKeeper's SetWatches, sent as a request after a reconnect (the wire protocol's way; the
   * simulated client passes its watches in zk.connect instead): re-register, firing at once
   * what changed after `relativeZxid`.
   */
  | { readonly op: 'setWatches'; readonly relativeZxid: number; readonly watches: readonly WatchRegistration[] };

export type ZkReply =
  | { readonly ok: true; readonly op: 'create'; readonly path: string; readonly stat: Stat }
  | { readonly ok: true; readonly op: 'delete' | 'sync' | 'addWatch' | 'removeWatch' | 'checkWatch' | 'setWatches' }
  | { readonly ok: true; readonly op: 'setData'; readonly stat: Stat }
  | { readonly ok: true; readonly op: 'getData'; readonly data: string; readonly stat: Stat }
  | { readonly ok: true; readonly op: 'exists'; readonly stat: Stat | null }
  | { readonly ok: true; readonly op: 'getChildren'; readonly children: readonly string[]; readonly stat: Stat }
  | { readonly ok: true; readonly op: 'multi'; readonly result: MultiResult }
  | { readonly ok: false; readonly error: ZkError };

export interface WatchedEvent {
  readonly type: WatchEventType;
  readonly path: string;
  readonly zxid: number;
}

/** A watch the client re-registers on reconnect (ZooKeeper's SetWatches). */
export interface WatchRegistration {
  readonly path: string;
  readonly kind: WatchKind;
}

export type ClientToServer =
  | {
      readonly type: 'zk.connect';
      readonly cid: string;
      /** Nonce of this connection attempt, echoed on every message of the connection. */
      readonly conn: number;
      readonly timeoutUs: Micros;
      /** Reattach to this session (after a connection loss), or absent for a new one. */
      readonly session?: string;
      /** Highest zxid the client has seen: a server behind it refuses the connection. */
      readonly lastZxid: number;
      readonly watches: readonly WatchRegistration[];
    }
  | { readonly type: 'zk.req'; readonly cid: string; readonly conn: number; readonly seq: number; readonly session: string; readonly xid: number; readonly req: ZkRequest }
  | { readonly type: 'zk.ping'; readonly cid: string; readonly conn: number; readonly seq: number; readonly session: string }
  | { readonly type: 'zk.close'; readonly cid: string; readonly conn: number; readonly seq: number; readonly session: string; readonly xid: number };

export type ServerToClient =
  | { readonly type: 'zk.connected'; readonly cid: string; readonly conn: number; readonly seq: number; readonly session: string; readonly timeoutUs: Micros; readonly zxid: number }
  /**
   * Connection refused or broken (server behind the client, not in touch with a leader, a gap
   * in the client's stream, an unknown connection): try another server. `conn` names the
   * connection attempt it ends.
   */
  | { readonly type: 'zk.refused'; readonly cid: string; readonly conn: number; readonly reason: string }
  | { readonly type: 'zk.expired'; readonly cid: string; readonly conn: number; readonly session: string }
  | { readonly type: 'zk.res'; readonly cid: string; readonly conn: number; readonly seq: number; readonly xid: number; readonly zxid: number; readonly reply: ZkReply }
  | { readonly type: 'zk.watch'; readonly cid: string; readonly conn: number; readonly seq: number; readonly event: WatchedEvent }
  | { readonly type: 'zk.pong'; readonly cid: string; readonly conn: number; readonly seq: number; readonly zxid: number };

/** Server ↔ server: sessions heard from, reported to the leader's TreeDriver. */
export type ServerToServer = { readonly type: 'zk.touch'; readonly sessions: readonly string[] };

export type ZkMessage = ClientToServer | ServerToClient | ServerToServer;
