/**
 * The one-DC topology most tests spell out: one region, one DC, these nodes (World.lan).
 * Region and DC names default to 'r' and 'd'; a test that prints or matches them names its own.
 */
import type { NodeId } from '../core/env.ts';
import type { TopologySpec } from './types.ts';

export interface LanNames {
  readonly region?: string | undefined;
  readonly dc?: string | undefined;
}

export function lanTopology(ids: readonly NodeId[], names: LanNames = {}): TopologySpec {
  return { regions: [{ name: names.region ?? 'r', dcs: [{ name: names.dc ?? 'd', nodes: [...ids] }] }] };
}
