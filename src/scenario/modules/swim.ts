/**
 * `swim:` — SWIM membership on a set of nodes (everywhere by default); its timeline shows
 * suspicions, deaths and rejoins. Expectation: membership-converges (every live node sees
 * every other live node alive within T after the faults end).
 *
 *   swim:
 *     nodes: '*'
 */
import type { NodeId } from '../../core/env.ts';
import type { ScenarioModule } from '../types.ts';
import { parseWithin, withinName, type WithinParams } from './params.ts';
import { unavailableInstance } from './unavailable.ts';

export interface SwimModuleConfig {
  readonly nodes: readonly NodeId[];
  readonly probeIntervalUs?: number;
  readonly probeTimeoutUs?: number;
  readonly suspicionMult?: number;
}

export const SWIM_UNAVAILABLE = 'the SWIM core (src/core/swim) is not in this build yet';

export const swimModule: ScenarioModule<SwimModuleConfig> = {
  name: 'swim',
  doc: 'SWIM membership and failure detection',
  unavailable: SWIM_UNAVAILABLE,
  parse(v, ctx) {
    if (v.isScalar() && v.str() === 'on') return { nodes: ctx.topology.expand('*') };
    v.allowKeys(['nodes', 'probeInterval', 'probeTimeout', 'suspicionMult']);
    const nodes = v.get('nodes').present ? ctx.topology.nodesOf(v.get('nodes')) : ctx.topology.expand('*');
    return {
      nodes,
      ...(v.get('probeInterval').present ? { probeIntervalUs: v.get('probeInterval').duration(1) } : {}),
      ...(v.get('probeTimeout').present ? { probeTimeoutUs: v.get('probeTimeout').duration(1) } : {}),
      ...(v.get('suspicionMult').present ? { suspicionMult: v.get('suspicionMult').int(1, 100) } : {}),
    };
  },
  expectations: {
    'membership-converges': {
      parse: parseWithin,
      name: (p) => withinName('every live node sees every live node alive', p as WithinParams),
    },
  },
  instantiate: () => unavailableInstance(SWIM_UNAVAILABLE),
};
