/**
 * The one state machine a server's Raft log feeds: the coordination store (KV, sessions,
 * catalog, leases, tree) and the failover state ('ha.*'), so a single log orders both and
 * one snapshot covers both.
 */
import { assert } from '../env.ts';
import { HaStateMachine, isHaCommand, type HaApplyResult, type HaCommand, type HaSnapshot } from '../ha/index.ts';
import type { ApplyContext, StateMachine } from '../sm.ts';
import type { CoordStore, CoordStoreSnapshot, StoreCommand, StoreCommandBody, StoreResult } from '../store/index.ts';

export type NodeCommand = StoreCommand | HaCommand;
/** A log command before the proposer stamps the leader's clock on it. */
export type NodeCommandBody = StoreCommandBody | HaCommand;
export type NodeResult = StoreResult | HaApplyResult;

/** A store command's result: the NodeMachine routes store commands to the store, never to HA. */
export function storeResultOf(res: NodeResult): StoreResult {
  assert('type' in res, 'a store command answered with an HA result');
  return res;
}

interface NodeSnapshot {
  readonly version: 1;
  readonly coord: CoordStoreSnapshot;
  readonly ha: HaSnapshot;
}

export class NodeMachine implements StateMachine<NodeCommand, NodeResult> {
  constructor(
    readonly coord: CoordStore,
    readonly ha: HaStateMachine,
  ) {}

  apply(command: NodeCommand, ctx: ApplyContext): NodeResult {
    if (isHaCommand(command)) return this.ha.apply(command, ctx);
    return this.coord.apply(command as StoreCommand, ctx);
  }

  snapshot(): NodeSnapshot {
    return { version: 1, coord: this.coord.snapshot(), ha: this.ha.snapshot() };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as NodeSnapshot;
    assert(s !== null && typeof s === 'object' && s.version === 1, 'not a node snapshot');
    this.coord.restore(s.coord);
    this.ha.restore(s.ha);
  }
}
