/**
 * The module registry: one entry per top-level scenario key that runs something.
 * Order matters: a node's app is built in this order, so a module may use the parts of the
 * modules before it (kv uses raft's Replicator).
 */
import type { ScenarioModule } from '../types.ts';
import { appModule } from './app.ts';
import { failoverModule } from './failover.ts';
import { kvModule } from './kv.ts';
import { leasesModule } from './leases.ts';
import { locksModule } from './locks.ts';
import { raftModule } from './raft.ts';
import { shardsModule } from './shards.ts';
import { swimModule } from './swim.ts';
import { treeModule } from './tree.ts';

export const MODULES: readonly ScenarioModule<any>[] = [swimModule, raftModule, kvModule, locksModule, leasesModule, failoverModule, shardsModule, treeModule, appModule];

export function moduleNamed(name: string): ScenarioModule<unknown> | undefined {
  return MODULES.find((m) => m.name === name);
}

/** The module that evaluates an expectation kind. */
export function moduleOwning(kind: string): ScenarioModule<unknown> | undefined {
  return MODULES.find((m) => Object.hasOwn(m.expectations, kind));
}
