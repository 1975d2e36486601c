import { Box, Text } from 'ink';
import type { LiveTimelineItem } from '../scenario/live-run.ts';
import { clockText, fit, tint } from './format.ts';

const COLOR: Record<string, string> = { fault: 'red', heal: 'green', error: 'red', failover: 'yellow', election: 'cyan', leader: 'cyan', membership: 'magenta', verdict: 'yellow' };

/** `rows` items of what mattered (the newest, unless scrolled), newest at the bottom. */
export function EventLog({ items, rows, width }: { items: readonly LiveTimelineItem[]; rows: number; width: number }) {
  const shown = rows > 0 ? items.slice(-rows) : [];
  return (
    <Box flexDirection="column">
      {shown.map((it, i) => (
        <Text key={i} wrap="truncate" {...tint(COLOR[it.category])}>
          {fit(`${clockText(it.t).padStart(9)} ${it.node ? `${it.node} ` : ''}${it.text}`, width)}
        </Text>
      ))}
    </Box>
  );
}
