/**
 * What other cores and the hanode daemon see of SWIM: member views, membership events,
 * application broadcasts and push-pull state delegates. The failover layer gossips its
 * per-target health results through `broadcast`/`onUser` and anti-entropies them through a
 * state delegate; hanode lists `members()` and follows `on(...)` events.
 */
import type { Micros, NodeId } from '../env.ts';
import type { MemberStatus } from './messages.ts';
import type { Meta } from './meta.ts';

export interface MemberInfo {
  readonly node: NodeId;
  readonly status: MemberStatus;
  readonly incarnation: number;
  readonly meta: Meta;
  /** Local time of the last status change. */
  readonly sinceUs: Micros;
}

/**
 * join: a member became alive (new, or back from dead/left with a higher incarnation);
 * update: an alive member's metadata changed; suspect: it is suspected; alive: a suspicion
 * was refuted; failed: declared dead; leave: it left gracefully.
 */
export type SwimEventKind = 'join' | 'update' | 'suspect' | 'alive' | 'failed' | 'leave';

export interface SwimEvent {
  readonly kind: SwimEventKind;
  readonly member: MemberInfo;
}

export type SwimListener = (ev: SwimEvent) => void;

/** An application broadcast received (never called for this node's own broadcasts). */
export type UserListener = (payload: unknown, origin: NodeId, key: string) => void;

/** Application state exchanged in every push-pull (memberlist Delegate.LocalState/MergeRemoteState). */
export interface StateDelegate {
  /** A small, msgpack-serialisable snapshot of this node's application state. */
  localState(join: boolean): unknown;
  mergeRemoteState(state: unknown, join: boolean, from: NodeId): void;
}

/** Counters for a TUI and the benches. */
export interface SwimStats {
  pingsSent: number;
  acksReceived: number;
  pingReqsSent: number;
  nacksReceived: number;
  fallbackPingsSent: number;
  probesFailed: number;
  gossipsSent: number;
  pushPullsSent: number;
  updatesSent: number;
  refutes: number;
  relaysDropped: number;
}

export function newStats(): SwimStats {
  return {
    pingsSent: 0,
    acksReceived: 0,
    pingReqsSent: 0,
    nacksReceived: 0,
    fallbackPingsSent: 0,
    probesFailed: 0,
    gossipsSent: 0,
    pushPullsSent: 0,
    updatesSent: 0,
    refutes: 0,
    relaysDropped: 0,
  };
}
