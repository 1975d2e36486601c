import { Box, Text } from 'ink';

export const KEYS: [string, string][] = [
  ['space', 'pause / resume'],
  ['.', 'step one event'],
  ['+ / -', 'faster / slower (×1 real time … max)'],
  ['↑ ↓', 'select a node'],
  ['← →', 'select a DC'],
  ['c', 'crash the selected node'],
  ['r', 'restart the selected node'],
  ['p', 'partition the selected DC from the rest'],
  ['h', 'heal all partitions, resume paused nodes'],
  ['w', 'save this session (scenario + injected faults)'],
  ['?', 'this help'],
  ['q', 'quit'],
];

export function Help() {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>keys</Text>
      {KEYS.map(([k, what]) => (
        <Text key={k}>
          <Text color="cyan">{k.padEnd(7)}</Text> {what}
        </Text>
      ))}
    </Box>
  );
}
