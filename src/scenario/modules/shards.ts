/**
 * `shards:` — a sharded KV with a primary and standbys per shard (src/core/shard), placed by
 * consistent hashing with virtual nodes; checks that a lost primary is replaced in time and
 * that no acknowledged write is lost.
 *
 *   shards:
 *     nodes: [s1, s2, s3, s4]
 *     count: 16
 *     replicas: 2
 */
import type { NodeId } from '../../core/env.ts';
import type { ScenarioModule } from '../types.ts';
import { formatDuration } from '../units.ts';
import { noParams } from './params.ts';
import { unavailableInstance } from './unavailable.ts';

export interface ShardsModuleConfig {
  readonly nodes: readonly NodeId[];
  readonly count: number;
  readonly replicas: number;
}

export const SHARDS_UNAVAILABLE = 'the shard core (src/core/shard) is not in this build yet';

export const shardsModule: ScenarioModule<ShardsModuleConfig> = {
  name: 'shards',
  doc: 'sharded KV with primary/standby failover',
  unavailable: SHARDS_UNAVAILABLE,
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['nodes', 'count', 'replicas']);
    const nodes = ctx.topology.nodesOf(v.get('nodes').required());
    const replicas = v.get('replicas').intOr(2, 1, 16);
    if (replicas > nodes.length) v.get('replicas').fail(`expected at most ${nodes.length} replicas (one per shard node)`);
    return { nodes, count: v.get('count').intOr(16, 1, 4096), replicas };
  },
  expectations: {
    'primary-failover-within': {
      parse: (v) => v.required().duration(1),
      name: (p) => `a lost shard primary is replaced within ${formatDuration(p as number)}`,
    },
    'no-lost-writes': { parse: noParams, name: () => 'no acknowledged write is lost' },
  },
  instantiate: () => unavailableInstance(SHARDS_UNAVAILABLE),
};
