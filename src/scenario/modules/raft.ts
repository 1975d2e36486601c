/**
 * `raft:` — which nodes run Raft (voters, learners) and the Raft expectations:
 * raft-safety, leader-within, max-leader-changes.
 *
 *   raft:
 *     voters: [east-1, west-1]     # nodes, DCs or regions
 *     learners: [west-2]
 */
import type { NodeId } from '../../core/env.ts';
import type { ScenarioModule } from '../types.ts';
import { unavailableInstance } from './unavailable.ts';
import { noParams, parseWithin, withinName, type WithinParams } from './params.ts';

export interface RaftModuleConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Optional timing overrides (µs), passed to the core's config. */
  readonly electionTimeoutMinUs?: number;
  readonly electionTimeoutMaxUs?: number;
  readonly heartbeatIntervalUs?: number;
}

export const RAFT_UNAVAILABLE = 'the Raft core (src/core/raft) is not in this build yet';

export const raftModule: ScenarioModule<RaftModuleConfig> = {
  name: 'raft',
  doc: 'Raft voters and learners; checks safety, leader election and churn',
  unavailable: RAFT_UNAVAILABLE,
  parse(v, ctx) {
    v.allowKeys(['voters', 'learners', 'electionTimeoutMin', 'electionTimeoutMax', 'heartbeatInterval']);
    const voters = ctx.topology.nodesOf(v.get('voters').required());
    const learners = v.get('learners').present ? ctx.topology.nodesOf(v.get('learners')) : [];
    const both = learners.find((n) => voters.includes(n));
    if (both) v.get('learners').fail(`node "${both}" is both a voter and a learner`);
    const opt = (k: string, f: string) => (v.get(k).present ? { [f]: v.get(k).duration(1) } : {});
    const cfg: RaftModuleConfig = {
      voters,
      learners,
      ...opt('electionTimeoutMin', 'electionTimeoutMinUs'),
      ...opt('electionTimeoutMax', 'electionTimeoutMaxUs'),
      ...opt('heartbeatInterval', 'heartbeatIntervalUs'),
    };
    if ((cfg.electionTimeoutMinUs ?? 0) > (cfg.electionTimeoutMaxUs ?? Infinity)) {
      v.get('electionTimeoutMax').fail('expected electionTimeoutMax >= electionTimeoutMin');
    }
    return cfg;
  },
  expectations: {
    'raft-safety': {
      parse: noParams,
      name: () => 'Raft safety (one leader per term, log matching, committed entries kept)',
    },
    'leader-within': {
      parse: parseWithin,
      name: (p) => withinName('a leader', p as WithinParams),
    },
    'max-leader-changes': {
      parse: (v) => v.required().int(0, 1_000_000),
      name: (p) => `at most ${p as number} leader changes`,
    },
  },
  instantiate: () => unavailableInstance(RAFT_UNAVAILABLE),
};
