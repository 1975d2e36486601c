/**
 * `hasim compare`: one scenario in the simulator and on real agents, seed by seed, and the
 * figures that say whether the simulator tells the truth about the real thing:
 *   - new leader: time from a fault event (a fault starting or ending: the scenario's
 *     schedule) to the next leadership in a higher term. Sim: raft.role trace events; real: the
 *     agents' self-reports (raft-watch.ts, late by at most one 100 ms poll);
 *   - DC down: a scripted target loss → its DOWN event (sim: ha.event trace; real: first seen on
 *     /v1/ha/events, late by at most one 200 ms poll);
 *   - client unavailability: KV: the share of completed operations not ok; failover clients:
 *     the share of client time in an outage;
 *   - write latency p50 / p99 of ok writes (KV write / cas / delete; failover client requests);
 *   - each expectation's verdict.
 * The simulator side runs with its latency model set to loopback (LOOPBACK below) and no
 * injected loss, as the real side has. Disagreement beyond TOLERANCE is flagged.
 */
import type { HistoryEvent } from '../sim/history.ts';
import type { LatencySpec } from '../sim/types.ts';
import type { ClientReport, Scenario, Verdict } from '../scenario/types.ts';
import type { FailoverModuleConfig } from '../scenario/modules/failover.ts';
import type { TraceEvent } from '../host/context.ts';
import type { RaftModuleConfig } from '../scenario/modules/raft.ts';
import { AGENT_RAFT_DEFAULTS } from '../hanode/agent.ts';

/**
 * Loopback as a latency model: one-way ~50 µs with a light tail. Our measurement's order of
 * magnitude (a TCP round trip on Linux loopback is tens of µs); it only needs to be far below
 * every timeout in the scenarios.
 */
export const LOOPBACK: LatencySpec = {
  sameDc: { kind: 'lognormal', median: 50, sigma: 0.3 },
  sameRegion: { kind: 'lognormal', median: 50, sigma: 0.3 },
  crossRegion: { kind: 'lognormal', median: 50, sigma: 0.3 },
};

/** Stated tolerances: beyond them, sim and real are said to disagree. */
export const TOLERANCE = {
  /** Times (new leader, DC down): |real − sim| > max(1 s, 50 % of sim). */
  timeAbsUs: 1_000_000,
  timeRel: 0.5,
  /** Unavailability: more than 10 percentage points apart. */
  unavailabilityPts: 0.1,
  /** Latency: more than 10x apart (the simulator models the network, not CPU, HTTP or fsync). */
  latencyFactor: 10,
} as const;

export interface Figures {
  readonly newLeaderUs: number[];
  readonly dcDownUs: number[];
  readonly unavailability: number | undefined;
  readonly writeP50Us: number | undefined;
  readonly writeP99Us: number | undefined;
  readonly verdicts: readonly { readonly name: string; readonly status: string }[];
}

/**
 * The scenario as the simulator side of a comparison runs it: loopback latency, no loss, and
 * the Raft timings the agents run with (the scenario's, else hanode's AGENT_RAFT_DEFAULTS, not
 * the simulator's paper defaults of 150-300 ms), so both sides run the same protocol settings.
 */
export function loopbackScenario(sc: Scenario): Scenario {
  const raft = sc.modules.get('raft') as RaftModuleConfig | undefined;
  const modules = new Map(sc.modules);
  if (raft) {
    modules.set('raft', {
      ...raft,
      electionTimeoutMinUs: raft.electionTimeoutMinUs ?? AGENT_RAFT_DEFAULTS.electionTimeoutMinUs,
      electionTimeoutMaxUs: raft.electionTimeoutMaxUs ?? AGENT_RAFT_DEFAULTS.electionTimeoutMaxUs,
      heartbeatIntervalUs: raft.heartbeatIntervalUs ?? AGENT_RAFT_DEFAULTS.heartbeatIntervalUs,
    });
  }
  return { ...sc, modules, latency: LOOPBACK, network: { ...(sc.network ?? {}), loss: 0 } };
}

/** Fault event times (µs): each fault's start, and its end when it has a `for`. */
export function faultTimesUs(sc: Scenario): number[] {
  const out: number[] = [];
  for (const f of sc.faults) {
    out.push(f.at);
    const d = (f.fault as { for?: number }).for;
    if (d !== undefined) out.push(f.at + d);
  }
  return out.sort((a, b) => a - b);
}

/** New leaderships (first time seen, by term) → time since the latest fault event before each. */
export function newLeaderTimes(leaderships: readonly { term: number; atUs: number }[], faults: readonly number[]): number[] {
  const out: number[] = [];
  const sorted = [...leaderships].sort((a, b) => a.atUs - b.atUs);
  for (let i = 1; i < sorted.length; i++) {
    const l = sorted[i]!;
    const before = faults.filter((t) => t <= l.atUs);
    // A leadership with no fault since the previous one is churn, not a reaction: not counted.
    const f = before[before.length - 1];
    if (f === undefined || f < sorted[i - 1]!.atUs) continue;
    out.push(l.atUs - f);
  }
  return out;
}

/** Leaderships in a simulated trace: the first raft.role 'leader' event of each term. */
export function simLeaderships(trace: readonly TraceEvent[]): { term: number; atUs: number }[] {
  const seen = new Map<number, number>();
  for (const e of trace) {
    if (e.kind !== 'raft.role' || e.role !== 'leader' || typeof e.term !== 'number') continue;
    if (!seen.has(e.term)) seen.set(e.term, e.t);
  }
  return [...seen].map(([term, atUs]) => ({ term, atUs }));
}

/** Scripted target losses → the first DOWN event for that target after each (simulated trace). */
export function simDcDown(sc: Scenario, trace: readonly TraceEvent[]): number[] {
  const fo = sc.modules.get('failover') as FailoverModuleConfig | undefined;
  if (!fo) return [];
  const out: number[] = [];
  for (const t of fo.targets) {
    for (const s of t.script) {
      if (s.state !== 'down') continue;
      const ev = trace.find((e) => e.kind === 'ha.event' && e.target === t.name && String(e.to).toLowerCase() === 'down' && e.t >= s.at);
      if (ev) out.push(ev.t - s.at);
    }
  }
  return out;
}

/** Latencies (µs) of ok operations whose f is a write (or an application request). */
export function writeLatencies(history: readonly HistoryEvent[]): number[] {
  const open = new Map<number, HistoryEvent>();
  const out: number[] = [];
  for (const e of history) {
    if (e.type === 'invoke') open.set(e.process, e);
    else {
      const inv = open.get(e.process);
      open.delete(e.process);
      if (inv && e.type === 'ok' && ['write', 'cas', 'delete', 'request'].includes(inv.f)) out.push(e.time - inv.time);
    }
  }
  return out.sort((a, b) => a - b);
}

export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Share of completed KV operations that were not ok (undefined without KV operations). */
export function kvUnavailability(history: readonly HistoryEvent[]): number | undefined {
  let done = 0;
  let ok = 0;
  for (const e of history) {
    if (e.type === 'invoke' || !['read', 'write', 'cas', 'delete'].includes(e.f)) continue;
    done++;
    if (e.type === 'ok') ok++;
  }
  return done === 0 ? undefined : 1 - ok / done;
}

/** Share of failover-client time spent in an outage. */
export function clientUnavailability(reports: readonly ClientReport[], durationUs: number): number | undefined {
  if (reports.length === 0 || durationUs <= 0) return undefined;
  return reports.reduce((s, r) => s + r.unavailableUs, 0) / (reports.length * durationUs);
}

export function figures(parts: {
  leaderships: readonly { term: number; atUs: number }[];
  faults: readonly number[];
  dcDownUs: number[];
  history: readonly HistoryEvent[];
  clients: readonly ClientReport[];
  durationUs: number;
  verdicts: readonly Verdict[];
  /** Names of the scenario's own expectations (the simulator adds one of its own: not compared). */
  expectations: readonly string[];
}): Figures {
  const lat = writeLatencies(parts.history);
  return {
    newLeaderUs: newLeaderTimes(parts.leaderships, parts.faults),
    dcDownUs: parts.dcDownUs,
    unavailability: parts.clients.length > 0 ? clientUnavailability(parts.clients, parts.durationUs) : kvUnavailability(parts.history),
    writeP50Us: percentile(lat, 0.5),
    writeP99Us: percentile(lat, 0.99),
    verdicts: parts.verdicts.filter((v) => parts.expectations.includes(v.name)).map((v) => ({ name: v.name, status: v.status })),
  };
}

export type Metric = 'newLeader' | 'dcDown' | 'unavailability' | 'writeP50' | 'writeP99';

/** Whether two figures of one metric disagree beyond the stated tolerance. */
export function disagree(metric: Metric, sim: number | undefined, real: number | undefined): boolean {
  if (sim === undefined || real === undefined) return sim !== real;
  switch (metric) {
    case 'newLeader':
    case 'dcDown':
      return Math.abs(real - sim) > Math.max(TOLERANCE.timeAbsUs, TOLERANCE.timeRel * sim);
    case 'unavailability':
      return Math.abs(real - sim) > TOLERANCE.unavailabilityPts;
    default: {
      const lo = Math.max(1, Math.min(sim, real));
      return Math.max(sim, real) / lo > TOLERANCE.latencyFactor;
    }
  }
}

export function median(xs: readonly number[]): number | undefined {
  const s = [...xs].sort((a, b) => a - b);
  return percentile(s, 0.5);
}
