import { Box, Text } from 'ink';
import type { LiveExpectation } from './expectations.ts';
import { fit } from './format.ts';

const MARK: Record<string, [string, string]> = { held: ['✓ held   ', 'green'], pending: ['… pending', 'yellow'], failed: ['✗ FAILED ', 'red'], 'n/a': ['? n/a    ', 'yellow'] };

/** Every expectation on the run so far (key e), one line each plus its evidence. */
export function ExpectationsView({ list, width, rows }: { list: readonly LiveExpectation[]; width: number; rows: number }) {
  const perItem = rows >= list.length * 2 + 1 ? 2 : 1;
  return (
    <Box flexDirection="column">
      <Text bold>expectations on the run so far</Text>
      {list.slice(0, Math.max(1, Math.floor((rows - 1) / perItem))).map((e, i) => (
        <Box key={i} flexDirection="column">
          <Text wrap="truncate">
            <Text color={MARK[e.state]![1]}>{MARK[e.state]![0]}</Text> {fit(e.name, width - 11)}
          </Text>
          {perItem === 2 ? (
            <Text dimColor wrap="truncate">
              {fit(`           ${e.detail}`, width)}
            </Text>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}
