/**
 * `failover:` — the Couchbase-style health-quorum failover (src/core/ha): observers spread
 * over the DCs probe monitored targets (one cluster per DC), agree by quorum that one is
 * down, and switch clients to a standby. Expectations: failover-within (target X fails over
 * within T of losing it) and no-false-failover (nothing fails over that was reachable from
 * its clients, e.g. under a partition between observers).
 *
 *   failover:
 *     observers: [o-east-1, o-east-2, o-west-1]
 *     targets:
 *       - { name: cb-east-1, nodes: east-1, standby: cb-west-1 }
 *       - { name: cb-west-1, nodes: west-1 }
 */
import type { NodeId } from '../../core/env.ts';
import type { ScenarioModule } from '../types.ts';
import { formatDuration } from '../units.ts';
import { unavailableInstance } from './unavailable.ts';

export interface FailoverTarget {
  readonly name: string;
  readonly nodes: readonly NodeId[];
  readonly standby?: string;
}

export interface FailoverModuleConfig {
  readonly observers: readonly NodeId[];
  readonly targets: readonly FailoverTarget[];
  readonly probeIntervalUs?: number;
}

export const FAILOVER_UNAVAILABLE = 'the failover core (src/core/ha) is not wired into hasim yet';

export const failoverModule: ScenarioModule<FailoverModuleConfig> = {
  name: 'failover',
  doc: 'health-quorum failover of monitored targets by spread observers',
  unavailable: FAILOVER_UNAVAILABLE,
  parse(v, ctx) {
    v.allowKeys(['observers', 'targets', 'probeInterval']);
    const observers = ctx.topology.nodesOf(v.get('observers').required());
    const names = new Set<string>();
    const targets = v
      .get('targets')
      .required()
      .list()
      .map((tv) => {
        tv.allowKeys(['name', 'nodes', 'standby']);
        const name = tv.get('name').required().str();
        if (names.has(name)) tv.get('name').fail(`target "${name}" is declared twice`);
        names.add(name);
        return {
          name,
          nodes: ctx.topology.nodesOf(tv.get('nodes').required()),
          ...(tv.get('standby').present ? { standby: tv.get('standby').str() } : {}),
        };
      });
    v.get('targets')
      .list()
      .forEach((tv, i) => {
        const sb = targets[i]!.standby;
        if (sb !== undefined && !names.has(sb)) tv.get('standby').fail(`unknown target "${sb}"; expected one of: ${[...names].join(', ')}`);
      });
    return { observers, targets, ...(v.get('probeInterval').present ? { probeIntervalUs: v.get('probeInterval').duration(1) } : {}) };
  },
  expectations: {
    'failover-within': {
      parse(v) {
        v.required().allowKeys(['target', 'within']);
        return { target: v.get('target').required().str(), withinUs: v.get('within').required().duration(1) };
      },
      name: (p) => {
        const q = p as { target: string; withinUs: number };
        return `${q.target} fails over within ${formatDuration(q.withinUs)} of being lost`;
      },
    },
    'no-false-failover': {
      parse: (v) => (v.present ? v.str() : undefined),
      name: (p) => (p ? `no false failover of ${p as string}` : 'no false failover'),
    },
  },
  instantiate: () => unavailableInstance(FAILOVER_UNAVAILABLE),
};
