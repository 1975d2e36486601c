/**
 * Scenario-side validation of role selectors (src/sim/roles.ts): where a fault names nodes,
 * it may name a role instead. Every role is accepted where a selector is (isolate's target,
 * partition sides, `between` pairs, nemesis targets); where one node is needed (crash, pause,
 * clock, slow-node, restart, resume) only `leader` and `a-follower`. A topology name of the
 * same spelling is a name, not a role.
 */
import { ROLE_SELECTORS, SINGLE_NODE_ROLES, isRoleSelector } from '../sim/roles.ts';
import type { ScheduledFault } from '../sim/types.ts';
import type { TopologyIndex } from './topology.ts';
import type { View } from './yaml-view.ts';

/** The topology's validators, also accepting role selectors. */
export function roleAwareTopology(topo: TopologyIndex): TopologyIndex {
  const t = Object.create(topo) as TopologyIndex;
  t.selector = (v: View): string => {
    const s = v.isScalar() ? v.str() : '';
    if (isRoleSelector(s) && !topo.has(s)) return s;
    // 'n1+n2': several nodes in one slot, as a resolved role is recorded (hasim shrink writes it back).
    if (s.includes('+') && s.split('+').every((x) => topo.has(x))) return s;
    return topo.selector(v);
  };
  t.node = (v: View): string => {
    const s = v.isScalar() ? v.str() : '';
    if (isRoleSelector(s) && !topo.has(s)) {
      if (!SINGLE_NODE_ROLES.includes(s)) v.fail(`"${s}" names several nodes; here one node is needed: a node name, ${SINGLE_NODE_ROLES.join(' or ')}`);
      return s;
    }
    return topo.node(v);
  };
  return t;
}

/** Whether any written fault names a role (then a raft: section must report roles). */
export function faultsUseRoles(faults: readonly ScheduledFault[], topo: TopologyIndex): boolean {
  const isRole = (s: string) => isRoleSelector(s) && !topo.has(s);
  return faults.some(({ fault: f }) => {
    switch (f.kind) {
      case 'partition':
        return f.sides.flat().some(isRole);
      case 'isolate':
        return isRole(f.target);
      case 'loss':
        return (f.between ?? []).some(isRole);
      case 'slow-link':
        return f.between.some(isRole);
      case 'heal':
      case 'duplicate':
      case 'reorder':
      case 'forge':
        return false;
      default:
        return isRole(f.node);
    }
  });
}

export const ROLE_HELP = `role selectors: ${ROLE_SELECTORS.join(', ')}`;
