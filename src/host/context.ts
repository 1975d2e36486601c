/**
 * What a host gives a node, simulated (src/sim/world.ts) or real (src/net-real/real-host.ts):
 * the context a node factory builds its app from, and the trace events both emit. The host
 * layer sits under both, so neither imports the other.
 */
import type { Env, Micros, NodeId } from '../core/env.ts';

/** What a node factory is given to build a node's app. */
export interface NodeContext {
  readonly id: NodeId;
  readonly dc: string;
  readonly region: string;
  /** How many times this node has been restarted (0 at first boot). */
  readonly restarts: number;
  /** The environment of one service on this node (the same object for the same name). */
  env(service: string): Env;
}

export type NodeFactory<A = unknown> = (ctx: NodeContext) => A;

/** One event of the trace. `t` is true (global) virtual time in the simulator, wall time since start on a real host. */
export interface TraceEvent {
  readonly t: Micros;
  readonly kind: string;
  readonly node?: NodeId;
  readonly svc?: string;
  readonly [field: string]: unknown;
}
