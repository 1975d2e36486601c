/**
 * The live view: header, cluster, log, key line. State lives in the TuiController; this
 * component only renders it, at a bounded frame rate (never per event), so full speed does
 * not flicker.
 */
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { ClusterView } from './ClusterView.tsx';
import type { TuiController } from './controller.ts';
import { EventLog } from './EventLog.tsx';
import { clockText, speedText, tint } from './format.ts';
import { Help } from './Help.tsx';
import { ExpectationsView } from './ExpectationsView.tsx';
import { snapshotCluster } from './snapshot.ts';

export const FRAME_MS = 100; // 10 frames/s: readable, cheap, flicker-free

const KEYS_WIDE = 'space pause  . step  +/- speed  arrows select  c crash  r restart  p partition DC  h heal  w save  [ ] log  f filter  e expect  ? help  q quit';
const KEYS_NARROW = '␣ pause . step +- speed ↑↓←→ pick c crash r restart p cut h heal w save ? help q';

/** The separator above the log, carrying the log's filter / scroll state when there is one. */
function rule(status: string, width: number): string {
  const w = Math.min(width, 200);
  return status ? `── ${status} ${'─'.repeat(Math.max(0, w - status.length - 4))}` : '─'.repeat(w);
}

/** The key line: every key named, in the words that fit the terminal. */
export function keyLine(width: number): string {
  return width >= KEYS_WIDE.length ? KEYS_WIDE : KEYS_NARROW;
}

/** The title's scenario name (shortened first) and event count (dropped first) so the rest fits. */
export function titleParts(name: string, seed: number, now: string, end: string, speed: string, state: string, events: number, width: number): { name: string; events: string } {
  const fixed = `hasim tui  · seed ${seed} · ${now} / ${end} · ${speed} · ${state}`.length;
  const ev = ` · ${events.toLocaleString('en-US')} events`;
  const withEvents = fixed + name.length + ev.length <= width;
  const room = width - fixed - (withEvents ? ev.length : 0);
  return { name: name.length <= room ? name : `${name.slice(0, Math.max(1, room - 1))}…`, events: withEvents ? ev : '' };
}

export interface AppProps {
  ctl: TuiController;
  frameMs?: number;
  /** false in tests: frames then advance only through keys. */
  autoTick?: boolean;
  /** Overrides the terminal size (tests). */
  size?: { columns: number; rows: number };
}

export function App({ ctl, frameMs = FRAME_MS, autoTick = true, size }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [, setFrame] = useState(0);
  const last = useRef(performance.now());
  const width = Math.max(40, size?.columns ?? stdout?.columns ?? 80);
  const height = Math.max(12, size?.rows ?? stdout?.rows ?? 24);

  useEffect(() => {
    if (!autoTick) return;
    const timer = setInterval(() => {
      const now = performance.now();
      ctl.tick(now - last.current);
      last.current = now;
      setFrame((f) => f + 1);
    }, frameMs);
    return () => clearInterval(timer);
  }, [ctl, frameMs, autoTick]);

  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) return exit();
    if (input === ' ') ctl.togglePause();
    else if (input === '.') ctl.stepOne();
    else if (input === '+' || input === '=') ctl.faster();
    else if (input === '-' || input === '_') ctl.slower();
    else if (key.upArrow) ctl.selectNode(-1);
    else if (key.downArrow) ctl.selectNode(1);
    else if (key.leftArrow) ctl.selectDc(-1);
    else if (key.rightArrow) ctl.selectDc(1);
    else if (input === 'c') ctl.crashSelected();
    else if (input === 'r') ctl.restartSelected();
    else if (input === 'p') ctl.partitionSelectedDc();
    else if (input === 'h') ctl.healAll();
    else if (input === 'w') ctl.saveScenario();
    else if (input === '?') ctl.toggleHelp();
    else if (input === '[' || key.pageUp) ctl.logView.scroll(Math.max(1, logRows - 1));
    else if (input === ']' || key.pageDown) ctl.logView.scroll(-Math.max(1, logRows - 1));
    else if (input === 'f') ctl.logView.nextFilter();
    else if (input === 'e') ctl.toggleExpectations();
    else return;
    setFrame((f) => f + 1);
  });

  const snap = snapshotCluster(ctl.run.world);
  const run = ctl.run;
  const state = run.error() ? 'STOPPED' : ctl.finished ? 'finished' : ctl.paused ? 'paused' : 'running';
  const dcCount = snap.regions.reduce((s, r) => s + r.dcs.length, 0);
  const nodeCount = snap.regions.reduce((s, r) => s + r.dcs.reduce((t, d) => t + d.nodes.length, 0), 0);
  const perRow = Math.max(1, Math.min(dcCount, Math.floor(width / 56)));
  const clusterRows = Math.ceil(dcCount / perRow) + (perRow === 1 ? nodeCount : Math.ceil(nodeCount / perRow) + 1) + 1;
  const logRows = Math.max(1, height - clusterRows - 4);
  const shownRows = ctl.showHelp || ctl.showExpectations ? 2 : logRows;
  const view = ctl.logView.visible(ctl.log, shownRows);
  const logStatus = ctl.logView.status(view.newer);
  const title = titleParts(run.scenarioName, run.seed, clockText(snap.now), clockText(run.endUs), speedText(ctl.speed), state, snap.events, width);

  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color="cyan">hasim tui</Text> {title.name} · seed {run.seed} · <Text bold>{clockText(snap.now)}</Text>
        {` / ${clockText(run.endUs)} · ${speedText(ctl.speed)} · `}
        <Text color={state === 'running' ? 'green' : state === 'STOPPED' ? 'red' : 'yellow'}>{state}</Text>
        {title.events}
      </Text>
      {ctl.showHelp ? (
        <Help width={width} />
      ) : ctl.showExpectations ? (
        <ExpectationsView list={ctl.expectations()} width={width} rows={Math.max(3, height - 7)} />
      ) : (
        <ClusterView snap={snap} selection={ctl.selection} width={width} />
      )}
      <Text dimColor wrap="truncate">{rule(logStatus, width)}</Text>
      <EventLog items={view.lines} rows={shownRows} width={width} />
      <Text wrap="truncate" {...tint(run.error() ? 'red' : undefined)} dimColor={!run.error() && !ctl.message}>
        {run.error() ? `stopped: ${run.error()}` : ctl.message || keyLine(width)}
      </Text>
    </Box>
  );
}
