import { Text } from 'ink';
import type { NodeSnapshot } from './snapshot.ts';
import { fit, tint } from './format.ts';

const ROLE_COLOR: Record<string, string> = { leader: 'green', candidate: 'yellow', 'pre-candidate': 'yellow', learner: 'cyan' };
const ROLE_SHORT: Record<string, string> = { leader: 'LEAD', follower: 'foll', candidate: 'CAND', 'pre-candidate': 'pre', learner: 'lrnr' };

/** One node: state, Raft role/term/commit, SWIM view, health results. */
export function NodeLine({ node, selected, width }: { node: NodeSnapshot; selected: boolean; width: number }) {
  const state = !node.up ? 'DOWN' : node.paused ? 'PAUS' : '';
  const raft = node.raft ? `${(ROLE_SHORT[node.raft.role] ?? node.raft.role).padEnd(4)} t${node.raft.term} c${node.raft.commit}` : '';
  const swim = node.swim ? `swim ${node.swim.alive}/${node.swim.suspect}/${node.swim.dead}${node.swim.incarnation !== undefined ? ` i${node.swim.incarnation}` : ''}` : '';
  const health = node.health ? Object.entries(node.health).map(([t, s]) => `${t}:${s}`).join(' ') : '';
  const skew = node.clockSkewUs !== 0 ? `skew ${(node.clockSkewUs / 1000).toFixed(0)}ms` : '';
  const rest = [raft, swim, health, skew].filter(Boolean).join('  ');
  const head = `${selected ? '▸' : ' '} ${node.id.padEnd(8)} `;
  const color = !node.up ? 'red' : node.paused ? 'magenta' : node.raft ? ROLE_COLOR[node.raft.role] : undefined;
  return (
    <Text wrap="truncate" inverse={selected}>
      <Text bold={selected}>{head}</Text>
      {state ? <Text color={!node.up ? 'red' : 'magenta'}>{state} </Text> : null}
      <Text {...tint(color)}>{fit(node.up ? rest : '', Math.max(0, width - head.length - (state ? 5 : 0)))}</Text>
    </Text>
  );
}
