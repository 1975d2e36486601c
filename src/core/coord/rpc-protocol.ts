/**
 * Client ↔ server RPC of the Consul / etcd style services (Env service 'coordrpc').
 * The HTTP API of hanode maps onto the same operations.
 */
import type { Micros, NodeId } from '../env.ts';
import type { StoreCommandBody } from '../store/commands.ts';
import type { Topic } from '../store/effects.ts';

export type RpcOp =
  /** Any replicated command (session create/destroy, acquire/release, lease grant/revoke, catalog...). */
  | { readonly kind: 'propose'; readonly cmd: StoreCommandBody }
  /** Leader-only, never logged. */
  | { readonly kind: 'session.renew'; readonly id: string }
  | { readonly kind: 'lease.keepalive'; readonly id: string }
  | { readonly kind: 'lease.ttl'; readonly id: string }
  /**
   * A KV read. consistent: on the leader after a read barrier (Consul ?consistent);
   * otherwise the server's local replica (Consul ?stale). With minIndex it blocks on the
   * 'kv' topic first (Consul blocking query).
   */
  | { readonly kind: 'kv.get'; readonly key: string; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  | { readonly kind: 'kv.range'; readonly prefix: string; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  | { readonly kind: 'health'; readonly service: string; readonly passingOnly?: boolean; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  | { readonly kind: 'session.info'; readonly id: string; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  /** Every session, or those of one node. */
  | { readonly kind: 'session.list'; readonly node?: string; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  | { readonly kind: 'lease.list'; readonly consistent?: boolean }
  /** Live leased entries under a prefix (raftd's /lease/kv: service discovery). */
  | { readonly kind: 'lease.kv'; readonly prefix: string; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  /** Service names with their tags (Consul /v1/catalog/services). */
  | { readonly kind: 'catalog.services'; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  | { readonly kind: 'catalog.nodes'; readonly consistent?: boolean; readonly minIndex?: number; readonly waitUs?: Micros }
  /** Index of a topic, blocking like a query. */
  | { readonly kind: 'index'; readonly topic: Topic; readonly minIndex?: number; readonly waitUs?: Micros };

/** value: a StoreResult for 'propose', a KvEntry | null for kv.get, ... (see rpc-server.ts). */
export type RpcResult =
  | { readonly ok: true; readonly value: unknown; readonly index: number }
  | { readonly ok: false; readonly error: 'not-leader'; readonly leader?: NodeId }
  | { readonly ok: false; readonly error: 'not-found' | 'unknown-outcome' | 'timeout' | 'rejected'; readonly reason?: string };

export type RpcMessage =
  | { readonly type: 'rpc.req'; readonly id: number; readonly op: RpcOp }
  | { readonly type: 'rpc.res'; readonly id: number; readonly res: RpcResult };
