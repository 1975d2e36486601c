/** Messages of the sharded store (service 'shard'): clients, data nodes, servers. */
import type { Message, NodeId } from '../env.ts';
import type { Epoch } from './epoch.ts';
import type { GroupConfig } from './placement.ts';
import type { RingState } from './ring-state.ts';

// client <-> data node (primary)
export interface PutReq extends Message {
  readonly type: 'shard.put'; readonly req: number; readonly group: string; readonly key: string; readonly value: string;
  /** A key handed over by its old owner during a rebalancing (accepted while the group is still 'busy'). */
  readonly migrate?: boolean;
}
export interface GetReq extends Message { readonly type: 'shard.get'; readonly req: number; readonly group: string; readonly key: string }
export interface PutOk extends Message { readonly type: 'shard.put.ok'; readonly req: number; readonly seq: number }
export interface GetOk extends Message { readonly type: 'shard.get.ok'; readonly req: number; readonly value: string | null; readonly seq: number }
export interface ReqErr extends Message {
  readonly type: 'shard.err'; readonly req: number;
  readonly error: 'not-primary' | 'unavailable' | 'busy' | 'wrong-group'; readonly primary?: NodeId | undefined;
}

// primary <-> standby
export interface Repl extends Message { readonly type: 'shard.repl'; readonly epoch: Epoch; readonly seq: number; readonly key: string; readonly value: string }
export interface ReplAck extends Message { readonly type: 'shard.repl.ack'; readonly epoch: Epoch; readonly seq: number }
export interface SyncReq extends Message { readonly type: 'shard.sync.req'; readonly epoch: Epoch }
export interface SyncSnap extends Message {
  readonly type: 'shard.sync.snap'; readonly epoch: Epoch; readonly seq: number; readonly entries: readonly (readonly [string, string])[];
}

// data node <-> servers
export interface Heartbeat extends Message {
  readonly type: 'shard.hb'; readonly group: string; readonly config: GroupConfig | null; readonly applied: number;
  /** The node restarted and holds only a persisted (stale) configuration: re-place it as a newcomer. */
  readonly rejoin: boolean;
  readonly ring: RingState | null;
  /** Sender's local time at sending: echoed by the master's ack to grant a read lease. */
  readonly sentAtUs: number;
}
/** The acting master heard the primary of `group` (at its `sentAtUs`): a read lease. */
export interface HbAck extends Message { readonly type: 'shard.hb.ack'; readonly group: string; readonly sentAtUs: number; readonly epoch: Epoch }
export interface Synced extends Message { readonly type: 'shard.synced'; readonly group: string; readonly node: NodeId; readonly epoch: Epoch }
export interface ConfigPush extends Message { readonly type: 'shard.config'; readonly config: GroupConfig }
export interface RingPush extends Message { readonly type: 'shard.ring'; readonly ring: RingState }
/** A source group finished handing its moved keys to the group being added in `version`. */
export interface Migrated extends Message { readonly type: 'shard.migrated'; readonly group: string; readonly version: number }

// client <-> servers
export interface RouteReq extends Message { readonly type: 'shard.route.req' }
export interface Route extends Message { readonly type: 'shard.route'; readonly configs: readonly GroupConfig[]; readonly master: NodeId; readonly ring: RingState | null }

export type ShardMessage =
  | PutReq | GetReq | PutOk | GetOk | ReqErr | Repl | ReplAck | SyncReq | SyncSnap | Heartbeat | Synced | ConfigPush | RingPush | Migrated | HbAck | RouteReq | Route;
