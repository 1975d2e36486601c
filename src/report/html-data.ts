/**
 * What the HTML report draws, extracted from a run: per-node lanes of states over time
 * (up/down/paused, Raft role when a core traces one), fault intervals, and the message
 * events embedded for the message diagram (bounded: those around the start, every fault and
 * every violation, see message-selection.ts), and the violations of a failed run.
 */
import type { Micros } from '../core/env.ts';
import type { TraceEvent } from '../sim/types.ts';
import { describeFaultEvent } from '../scenario/fault-events.ts';
import type { RunResult, Scenario } from '../scenario/types.ts';
import { selectMessages, type Anchor, type KeptSpan } from './message-selection.ts';

export interface Segment {
  readonly from: Micros;
  readonly to: Micros;
  readonly state: string;
}

export interface FaultBar {
  readonly from: Micros;
  readonly to: Micros;
  readonly label: string;
  readonly nodes: readonly string[];
}

/** [t, fromIndex, toIndex, type, dropped(0/1)] */
export type MsgRow = [number, number, number, string, number];

/** Bound on message events embedded in a report (keeps the file a few MB at most). */
export const MAX_EMBEDDED_MESSAGES = 20_000;

/** A failed expectation drawn on the timeline at the time of its first violation. */
export interface ViolationMark {
  readonly t: Micros;
  readonly name: string;
  readonly detail: string;
}

export interface ReportData {
  readonly nodes: readonly string[];
  readonly lanes: readonly (readonly Segment[])[];
  readonly roles: readonly (readonly Segment[])[];
  readonly faults: readonly FaultBar[];
  readonly messages: readonly MsgRow[];
  /** Time spans the embedded messages come from (messages between them were left out). */
  readonly spans: readonly KeptSpan[];
  readonly violations: readonly ViolationMark[];
  readonly endUs: Micros;
  readonly focusUs: Micros;
}

/** Nodes a fault description touches (target / sides / between), for drawing it on their lanes. */
function faultNodes(ev: TraceEvent, sc: Scenario): string[] {
  const names: string[] = [];
  if (typeof ev.target === 'string') names.push(...ev.target.split('<->'));
  if (typeof ev.sides === 'string') names.push(...ev.sides.split(/ \| | -\/-> /).flatMap((s) => s.split('+')));
  return sc.topology.expandAll(names.filter((n) => sc.topology.has(n)));
}

export function extractReportData(r: RunResult, sc: Scenario, budget: number = MAX_EMBEDDED_MESSAGES): ReportData {
  const nodes = sc.topology.nodes.map((n) => n.id);
  const idx = new Map(nodes.map((n, i) => [n, i]));
  const endUs = r.stats.virtualTimeUs;
  const lanes: Segment[][] = nodes.map(() => []);
  const roles: Segment[][] = nodes.map(() => []);
  const laneState: { since: Micros; state: string }[] = nodes.map(() => ({ since: 0, state: 'up' }));
  const roleState: ({ since: Micros; state: string } | undefined)[] = nodes.map(() => undefined);
  const setLane = (i: number, t: Micros, state: string) => {
    const cur = laneState[i]!;
    if (cur.state === state) return;
    if (t > cur.since) lanes[i]!.push({ from: cur.since, to: t, state: cur.state });
    laneState[i] = { since: t, state };
  };
  const setRole = (i: number, t: Micros, state: string | undefined) => {
    const cur = roleState[i];
    if (cur?.state === state) return;
    if (cur && t > cur.since) roles[i]!.push({ from: cur.since, to: t, state: cur.state });
    roleState[i] = state === undefined ? undefined : { since: t, state };
  };
  const open = new Map<string, { from: Micros; label: string; nodes: string[] }[]>();
  const faults: FaultBar[] = [];
  const allMessages: MsgRow[] = [];
  let focusUs = -1;
  // Where the reader will look: the start (first election), every fault, every violation.
  const anchors: Anchor[] = [{ t: 0, before: 0 }];
  const trace = r.trace ?? [];

  for (const ev of trace) {
    const i = ev.node !== undefined ? idx.get(ev.node) : undefined;
    switch (ev.kind) {
      case 'fault': {
        if (focusUs < 0) focusUs = ev.t;
        anchors.push({ t: ev.t, before: 0.25 });
        const key = describeFaultEvent({ ...ev, kind: 'fault.end' });
        const ns = faultNodes(ev, sc);
        const list = open.get(key) ?? [];
        list.push({ from: ev.t, label: describeFaultEvent(ev), nodes: ns });
        open.set(key, list);
        if (ev.fault === 'crash' && typeof ev.target === 'string' && idx.has(ev.target)) {
          setLane(idx.get(ev.target)!, ev.t, 'down');
          setRole(idx.get(ev.target)!, ev.t, undefined);
        }
        if (ev.fault === 'pause' && typeof ev.target === 'string' && idx.has(ev.target)) setLane(idx.get(ev.target)!, ev.t, 'paused');
        if (ev.fault === 'resume' && typeof ev.target === 'string' && idx.has(ev.target)) setLane(idx.get(ev.target)!, ev.t, 'up');
        if (ev.fault === 'heal') {
          for (const [k, l] of open) for (const o of l) faults.push({ from: o.from, to: ev.t, label: o.label, nodes: o.nodes });
          open.clear();
        }
        if (ev.fault !== 'heal' && ev.for === undefined) {
          // A fault without a `for` (crash, restart, ...) shows as an instant until healed or the end.
        }
        break;
      }
      case 'fault.end': {
        const l = open.get(describeFaultEvent(ev));
        const o = l?.shift();
        if (o) faults.push({ from: o.from, to: ev.t, label: o.label, nodes: o.nodes });
        if (ev.fault === 'pause' && typeof ev.target === 'string' && idx.has(ev.target)) setLane(idx.get(ev.target)!, ev.t, 'up');
        break;
      }
      case 'node.restart':
      case 'node.boot':
        if (i !== undefined) setLane(i, ev.t, 'up');
        break;
      case 'net.deliver':
      case 'net.drop': {
        const a = idx.get(ev.from as string);
        const b = idx.get(ev.to as string);
        if (a === undefined || b === undefined) break;
        allMessages.push([ev.t, a, b, String(ev.type ?? ''), ev.kind === 'net.drop' ? 1 : 0]);
        break;
      }
      default:
        if (i !== undefined && typeof ev.role === 'string' && ev.kind.endsWith('.role')) setRole(i, ev.t, ev.role);
    }
  }
  for (let i = 0; i < nodes.length; i++) {
    setLane(i, endUs, '__end__');
    setRole(i, endUs, undefined);
  }
  for (const l of open.values()) for (const o of l) faults.push({ from: o.from, to: endUs, label: o.label, nodes: o.nodes });
  faults.sort((a, b) => a.from - b.from);
  const violations: ViolationMark[] = r.expectations
    .filter((v) => v.status === 'fail' && v.atUs !== undefined)
    .map((v) => ({ t: v.atUs!, name: v.name, detail: v.detail }));
  // The cause of a violation comes before it: most of its window is kept before.
  for (const v of violations) anchors.push({ t: v.t, before: 0.75 });
  const sel = selectMessages(allMessages, (m) => m[0], anchors, budget);
  const messages = sel.rows;
  // A span reaching the first (last) message reaches the start (end) of the run: nothing was left out there.
  const firstT = allMessages[0]?.[0];
  const lastT = allMessages[allMessages.length - 1]?.[0];
  const spans = sel.spans.map(([a, b]): KeptSpan => [a === firstT ? 0 : a, b === lastT ? endUs : b]);
  return { nodes, lanes, roles, faults, messages, spans, violations, endUs, focusUs: Math.max(0, focusUs) };
}
