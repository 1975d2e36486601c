import { Box, Text } from 'ink';

export const KEYS: [string, string][] = [
  ['space', 'pause / resume'],
  ['.', 'step one event'],
  ['+ / -', 'faster / slower'],
  ['↑ ↓', 'select a node'],
  ['← →', 'select a DC'],
  ['c', 'crash the node'],
  ['r', 'restart the node'],
  ['p', 'partition the DC off'],
  ['h', 'heal all, resume all'],
  ['w', 'save scenario + faults'],
  ['[ ]', 'log: older / newer'],
  ['f', 'log: filter by kind'],
  ['e', 'expectations so far'],
  ['o', 'failover: targets, clients'],
  ['?', 'this help / legend'],
  ['q', 'quit (verdicts so far)'],
];

/** What each column of a node line means (`foll t1 c6 swim 6/0/0 i0 cb:UP skew 50ms`). */
export const LEGEND: [string, string][] = [
  ['LEAD foll CAND', 'Raft role (also pre: pre-candidate, lrnr: learner)'],
  ['t7 c42', 'Raft term 7; commit index 42 (log entries known committed)'],
  ['swim 6/1/0 i3', 'SWIM view: alive/suspect/dead members; own incarnation 3'],
  ['cb:UP', 'failover: this node\'s last check of target cb'],
  ['skew 50ms', 'this node\'s clock is 50 ms off true time (clock fault)'],
  ['DOWN PAUS', 'crashed / paused (process stopped, state kept)'],
  ['★ e1a:down', 'failover panel (o): active target; observer e1a\'s last result'],
];

/** Keys in two columns and the legend of the node columns: fits 80×24. */
export function Help({ width = 80 }: { width?: number }) {
  const half = Math.ceil(KEYS.length / 2);
  const colW = Math.max(30, Math.floor((width - 4) / 2));
  const key = ([k, what]: [string, string]) => `${k.padEnd(6)} ${what}`.slice(0, colW - 1).padEnd(colW);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={Math.min(width, 200)}>
      {KEYS.slice(0, half).map((left, i) => (
        <Text key={left[0]} wrap="truncate">
          <Text color="cyan">{key(left)}</Text>
          {KEYS[half + i] ? <Text color="cyan">{key(KEYS[half + i]!)}</Text> : null}
        </Text>
      ))}
      <Text bold>node columns</Text>
      {LEGEND.map(([k, what]) => (
        <Text key={k} wrap="truncate">
          <Text color="yellow">{k.padEnd(14)}</Text> {what}
        </Text>
      ))}
    </Box>
  );
}
