/**
 * Wire messages of the SWIM service. Plain objects (msgpack-serialisable); update objects
 * are immutable once built and may be shared by several outgoing packets, so receivers
 * must never mutate them.
 */
import type { NodeId } from '../env.ts';
import { metaSizeBytes, type Meta } from './meta.ts';

export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/** A gossiped membership or user update. */
export type Update =
  | { readonly t: 'alive'; readonly node: NodeId; readonly inc: number; readonly meta: Meta }
  | { readonly t: 'suspect'; readonly node: NodeId; readonly inc: number; readonly from: NodeId }
  /** from === node means a graceful leave ("left", not "failed"). */
  | { readonly t: 'dead'; readonly node: NodeId; readonly inc: number; readonly from: NodeId }
  /** An application broadcast: (origin, seq) is unique; key lets a newer payload replace an older one in queues. */
  | { readonly t: 'user'; readonly origin: NodeId; readonly seq: number; readonly key: string; readonly payload: unknown };

export type AliveUpdate = Extract<Update, { t: 'alive' }>;
export type SuspectUpdate = Extract<Update, { t: 'suspect' }>;
export type DeadUpdate = Extract<Update, { t: 'dead' }>;
export type UserUpdate = Extract<Update, { t: 'user' }>;

/** One member in a push-pull state exchange. */
export interface MemberState {
  readonly node: NodeId;
  readonly inc: number;
  readonly status: MemberStatus;
  readonly meta: Meta;
}

export interface PingMsg {
  readonly type: 'swim.ping';
  readonly seq: number;
  /** The node the sender means to probe; a misrouted ping is dropped. */
  readonly target: NodeId;
  /** Sent over the reliable channel (fallback probe): answer on it too. */
  readonly rel?: boolean;
  readonly u?: readonly Update[];
}
export interface AckMsg {
  readonly type: 'swim.ack';
  readonly seq: number;
  readonly u?: readonly Update[];
}
export interface PingReqMsg {
  readonly type: 'swim.ping-req';
  readonly seq: number;
  readonly target: NodeId;
  /** Ask the relay for a nack when its own probe times out (Lifeguard). */
  readonly nack: boolean;
  readonly u?: readonly Update[];
}
export interface NackMsg {
  readonly type: 'swim.nack';
  readonly seq: number;
}
export interface GossipMsg {
  readonly type: 'swim.gossip';
  readonly u: readonly Update[];
}
export interface PushPullMsg {
  readonly type: 'swim.push-pull';
  /** Sent by a joining node (to a seed) rather than by the periodic sync. */
  readonly join: boolean;
  /** This is the answer to a push-pull (do not answer it). */
  readonly reply: boolean;
  readonly states: readonly MemberState[];
  /** Application state of the registered state delegates, by name. */
  readonly app?: Readonly<Record<string, unknown>>;
}

export type SwimMessage = PingMsg | AckMsg | PingReqMsg | NackMsg | GossipMsg | PushPullMsg;

/**
 * Estimate of a packet's own fields as msgpack encodes them (a map with "type", "seq",
 * the update array header; the target name is added by the caller): the budget of a
 * packet is what is left for piggybacked updates.
 */
export const HEADER_BYTES = 40;

/**
 * Encoded size of an update as msgpack writes these objects (field names included, each
 * string with a 2-byte header as msgpackr writes most, incarnations and seqs at 5 bytes:
 * an upper bound for short names), so that a packet filled to the budget stays
 * within memberlist's 1,400-byte UDP buffer. test/swim/wire-size.test.ts checks it
 * against msgpackr.
 */
export function updateSizeBytes(u: Update, payloadBytes = 0): number {
  switch (u.t) {
    case 'alive': // {t,node,inc,meta}
      return 35 + u.node.length + metaSizeBytes(u.meta);
    case 'suspect':
    case 'dead': // {t,node,inc,from}
      return 39 + u.node.length + u.from.length;
    case 'user': // {t,origin,seq,key,payload}
      return 46 + u.origin.length + u.key.length + payloadBytes;
  }
}
