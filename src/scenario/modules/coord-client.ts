/**
 * The client side of `leases: { via: coord-rpc }`: a CoordRpcClient (Consul /
 * etcd style RPC, src/core/coord) on each client node, and a world-level helper to call it.
 * Client nodes must not run Raft (a node has one 'coordrpc' endpoint).
 */
import type { NodeId } from '../../core/env.ts';
import { CoordRpcClient, type RpcOp, type RpcResult } from '../../core/coord/index.ts';
import type { NodeApp, NodeSetupContext } from '../types.ts';
import type { WorldPort } from '../world-port.ts';
import type { RaftModuleConfig } from './raft.ts';

/** Adds (once) the RPC client part to a client node's app. */
export function setupCoordClient(ctx: NodeSetupContext, app: NodeApp, servers: readonly NodeId[]): void {
  if (app.parts.coordRpc) return;
  // Attempts: 1 s each, 4 of them: a request gives up within ~4 s (Consul's RPC hold timeout is 7 s).
  app.parts.coordRpc = new CoordRpcClient(ctx.env('coordrpc'), servers, { attemptTimeoutUs: 1_000_000, maxAttempts: 4 });
}

/**
 * Calls op from client node `node`; done(undefined) when the node is down. The callback is
 * dropped if the node restarts meanwhile (its old client died with it).
 */
export function callFrom(world: WorldPort, node: NodeId, op: RpcOp, done: (r: RpcResult | undefined) => void): void {
  const c = world.app<{ coordRpc?: CoordRpcClient }>(node)?.coordRpc;
  if (!c) return done(undefined);
  c.call(op, done);
}

export function raftNodesOf(modules: ReadonlyMap<string, unknown>): Set<NodeId> {
  const raft = modules.get('raft') as RaftModuleConfig | undefined;
  return new Set([...(raft?.voters ?? []), ...(raft?.learners ?? [])]);
}
