import { Box, Text } from 'ink';
import type { FailoverSnapshot, TargetState } from './failover-snapshot.ts';
import { clockText, fit, tint } from './format.ts';

const STATE_COLOR: Record<TargetState, string> = { UP: 'green', DOWN: 'red', UNKNOWN: 'yellow' };

/** Rows the panel gives each section, within `rows`: targets and clients first, then events. */
export function failoverRows(snap: FailoverSnapshot, rows: number): { targets: number; events: number; clients: number } {
  const headers = (snap.targets.length > 0 ? 1 : 0) + 1 + (snap.clients.length > 0 ? 1 : 0);
  let left = Math.max(0, rows - headers);
  const targets = Math.min(snap.targets.length, left);
  left -= targets;
  const clients = Math.min(snap.clients.length, left);
  left -= clients;
  return { targets, events: Math.min(Math.max(1, snap.events.length), left), clients };
}

/** Lines the panel takes within `rows` (the log below gets the rest of the screen). */
export function failoverHeight(snap: FailoverSnapshot | undefined, rows: number): number {
  if (!snap) return 1;
  const n = failoverRows(snap, rows);
  const events = snap.events.length === 0 ? Math.min(1, n.events) : n.events;
  return (snap.targets.length > 0 ? 1 : 0) + n.targets + 1 + events + (snap.clients.length > 0 ? 1 : 0) + n.clients;
}

/**
 * The failover panel (key o): targets with their replicated state (★ = a group's active one)
 * and every observer's latest own result, recent HA events, and the application clients.
 */
export function FailoverView({ snap, width, rows }: { snap: FailoverSnapshot | undefined; width: number; rows: number }) {
  if (!snap) return <Text dimColor>no failover service in this scenario (key o: back)</Text>;
  const n = failoverRows(snap, rows);
  const keyW = Math.min(14, Math.max(6, ...snap.targets.map((t) => t.key.length + 2)));
  return (
    <Box flexDirection="column">
      {snap.targets.length > 0 ? <Text bold wrap="truncate">{fit(`${'target'.padEnd(keyW)} state   observers' latest results`, width)}</Text> : null}
      {snap.targets.slice(0, n.targets).map((t) => (
        <Text key={t.key} wrap="truncate">
          {fit(`${t.key}${t.active ? ' ★' : ''}`, keyW).padEnd(keyW)} <Text color={STATE_COLOR[t.state]}>{t.state.padEnd(7)}</Text>
          {fit(t.results.map((r) => `${r.observer}:${r.result}`).join(' '), Math.max(0, width - keyW - 9))}
        </Text>
      ))}
      <Text bold wrap="truncate">HA events</Text>
      {snap.events.length === 0 ? (
        n.events > 0 ? <Text dimColor>  none yet</Text> : null
      ) : (
        snap.events.slice(-n.events).map((e, i) => (
          <Text key={i} wrap="truncate" color="yellow">
            {fit(`  ${clockText(e.t).padStart(9)} ${e.text}`, width)}
          </Text>
        ))
      )}
      {snap.clients.length > 0 ? <Text bold wrap="truncate">{fit(`${'client'.padEnd(10)} ${'dc'.padEnd(8)} ${'target'.padEnd(11)} ${'ok'.padStart(6)} ${'fail'.padStart(5)}  unavailable`, width)}</Text> : null}
      {snap.clients.slice(0, n.clients).map((c) => (
        <Text key={c.node} wrap="truncate" {...tint(c.up ? undefined : 'red')}>
          {fit(`${c.node.padEnd(10)} ${c.dc.padEnd(8)} ${c.target.padEnd(11)} ${String(c.ok).padStart(6)} ${String(c.fail).padStart(5)}  `, width)}
          <Text color={c.outageUs > 0 ? 'red' : 'green'}>{c.up ? (c.outageUs > 0 ? `for ${clockText(c.outageUs)}` : 'served') : 'DOWN'}</Text>
        </Text>
      ))}
    </Box>
  );
}
