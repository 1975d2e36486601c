/**
 * Application clients of a failover group (issue 18): what the users of a failover service
 * live through. Each client node sends requests to its group's ACTIVE target, learning which
 * one that is from its local agent (the nearest observer it can reach: its HA state, as a
 * Consul watch on the local agent would), so when a quorum declares the active target DOWN
 * and the group switches, the clients follow. Per client we measure what a user would: how
 * long requests failed (outages) and the latency of those that succeeded, over time.
 *
 *   failover:
 *     ...
 *     clients:
 *       group: app                 # the failover group the clients use
 *       nodes: [app-e2, app-w1]    # client nodes (not observers): one client each
 *       rate: 5/s                  # requests per second per client (closed loop)
 *       timeout: 1s                # a request to an unreachable target fails after this
 *
 * A request reaches its target when the client is not cut off from the target's DC: it then
 * takes a round trip to that DC (the scenario's latency model) and succeeds when the target
 * is up, or fails at once (connection refused) when it is down. A cut-off client waits for
 * the timeout (outcome unknown, an `info` in the history).
 */
import type { Micros, NodeId, Random } from '../../core/env.ts';
import type { HaStateMachine } from '../../core/ha/index.ts';
import { HistoryRecorder } from '../../sim/history.ts';
import type { World } from '../../sim/index.ts';
import type { SimTargets } from '../../sim/targets.ts';
import { completedOps, latencySeries, latencySummary } from '../metrics.ts';
import type { ClientReport, ExpectationSpec, HistoryOp, ParseContext, Verdict } from '../types.ts';
import { humanDuration } from '../units.ts';
import { vacuous, verdict } from '../verdict.ts';
import type { View } from '../yaml-view.ts';
import type { RaftPart } from './raft.ts';

export interface FailoverClientsConfig {
  readonly group: string;
  readonly nodes: readonly NodeId[];
  readonly ratePerSec: number;
  readonly timeoutUs: Micros;
}

/** Service time of one request at a healthy target (ours: a key-value GET at a local cluster). */
const SERVICE_US = 500;
/** Bound on outages and switches listed per client (the totals count every one). */
const MAX_OUTAGES = 100;

export function parseFailoverClients(v: View, ctx: ParseContext, groups: readonly { name: string }[], observers: ReadonlySet<NodeId>): FailoverClientsConfig | undefined {
  if (!v.present) return undefined;
  v.allowKeys(['group', 'nodes', 'rate', 'timeout']);
  const gv = v.get('group').required();
  const group = gv.str();
  if (!groups.some((g) => g.name === group)) gv.fail(`unknown failover group "${group}"; expected one of: ${groups.map((g) => g.name).join(', ') || '(none declared)'}`);
  const nv = v.get('nodes').required();
  const nodes = ctx.topology.nodesOf(nv);
  const clash = nodes.find((n) => observers.has(n));
  if (clash) nv.fail(`client node "${clash}" is also an observer; clients need nodes of their own`);
  const rv = v.get('rate');
  // 5 requests/s per client: a scenario choice, dense enough to time an outage to 200 ms.
  const ratePerSec = rv.present ? rv.rate() : 5;
  if (ratePerSec <= 0 || ratePerSec > 1000) rv.fail('expected a rate in (0, 1000/s] per client');
  // 1 s: an application's request timeout towards its database (ours; Couchbase SDK KV timeout is 2.5 s).
  const timeoutUs = v.get('timeout').durationOr(1_000_000, 1);
  return { group, nodes, ratePerSec, timeoutUs };
}

interface ClientState {
  readonly node: NodeId;
  readonly dc: string;
  /** Observers ordered nearest first: same DC, same region, then the rest. */
  readonly agents: readonly NodeId[];
  view: string | undefined;
  process: number;
  ops: number;
  ok: number;
  lastOkEndUs: Micros;
  /** Start of the current outage (first failed request since the last success). */
  outageFrom: Micros | undefined;
  outageTarget: string;
  unavailableUs: Micros;
  longestOutageUs: Micros;
  readonly outages: { fromUs: Micros; toUs: Micros; target: string }[];
  readonly switches: { atUs: Micros; from: string; to: string }[];
  readonly history: HistoryRecorder;
}

export class FailoverClients {
  private readonly clients: ClientState[];
  private readonly rng: Random;
  private nextProcess = 0;
  private ended = false;

  constructor(
    private readonly world: World,
    private readonly targets: SimTargets,
    private readonly cfg: FailoverClientsConfig,
    observers: readonly NodeId[],
    private readonly endUs: Micros,
  ) {
    const topo = world.topology;
    this.rng = world.rng('failover-clients');
    this.clients = cfg.nodes.map((node) => {
      const dc = topo.dcOf(node);
      const region = topo.regionOf(node);
      const rank = (o: NodeId) => (topo.dcOf(o) === dc ? 0 : topo.regionOf(o) === region ? 1 : 2);
      const agents = [...observers].sort((a, b) => rank(a) - rank(b));
      return {
        node, dc, agents, view: undefined, process: this.nextProcess++, ops: 0, ok: 0, lastOkEndUs: 0,
        outageFrom: undefined, outageTarget: '', unavailableUs: 0, longestOutageUs: 0, outages: [], switches: [], history: new HistoryRecorder(),
      };
    });
  }

  start(): void {
    const gapUs = Math.max(1, Math.round(1_000_000 / this.cfg.ratePerSec));
    // Spread the first requests over one period so clients do not move in lockstep.
    for (const c of this.clients) this.world.after(this.rng.int(gapUs), () => this.request(c, gapUs));
  }

  /** Closes open outages at the end of the run. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    const now = this.world.now();
    for (const c of this.clients) {
      if (c.outageFrom !== undefined) this.closeOutage(c, now);
      // A request still in flight when the run ends was neither served nor refused: it does not count.
      if (c.history.isOpen(c.process)) c.ops--;
      c.history.closeAll(now);
    }
  }

  history(): HistoryOp[] {
    return this.clients.flatMap((c) => c.history.events());
  }

  /** Whether `node` is one of the clients. */
  has(node: NodeId): boolean {
    return this.clients.some((c) => c.node === node);
  }

  /** One client now, for the TUI's failover panel: the target it calls, its answered requests, its current outage. */
  live(node: NodeId): { node: NodeId; dc: string; target: string; ok: number; fail: number; outageUs: Micros } | undefined {
    const c = this.clients.find((x) => x.node === node);
    if (!c) return undefined;
    const open = c.history.isOpen(c.process) ? 1 : 0;
    const outageUs = c.outageFrom !== undefined ? this.world.now() - c.outageFrom : 0;
    return { node: c.node, dc: c.dc, target: c.view ?? '-', ok: c.ok, fail: c.ops - c.ok - open, outageUs };
  }

  availability(): { ok: number; total: number } {
    return { ok: this.clients.reduce((n, c) => n + c.ok, 0), total: this.clients.reduce((n, c) => n + c.ops, 0) };
  }

  reports(): ClientReport[] {
    return this.clients.map((c) => {
      const ops = completedOps(c.history.events());
      const lat = latencySummary(ops);
      return {
        node: c.node,
        dc: c.dc,
        group: this.cfg.group,
        ops: c.ops,
        ok: c.ok,
        unavailableUs: c.unavailableUs + (c.outageFrom !== undefined ? this.world.now() - c.outageFrom : 0),
        longestOutageUs: Math.max(c.longestOutageUs, c.outageFrom !== undefined ? this.world.now() - c.outageFrom : 0),
        outages: [...c.outages],
        switches: [...c.switches],
        ...(lat ? { latency: lat } : {}),
        series: latencySeries(ops, this.endUs),
      };
    });
  }

  /** The group's active target as the client's nearest reachable agent knows it (undefined: no agent reachable). */
  private askAgent(c: ClientState): string | undefined {
    const net = this.world.network;
    const me = this.world.topology.index(c.node);
    for (const a of c.agents) {
      if (!this.world.isUp(a)) continue;
      const ai = this.world.topology.index(a);
      if (net.isCut(me, ai) || net.isCut(ai, me)) continue;
      const sm: HaStateMachine | undefined = this.world.app<{ raft?: RaftPart }>(a)?.raft?.core.haState;
      const active = sm?.group?.(this.cfg.group)?.active;
      if (active !== undefined) return active;
    }
    return undefined;
  }

  private request(c: ClientState, gapUs: Micros): void {
    if (this.ended || this.world.now() >= this.endUs) return;
    const learned = this.askAgent(c);
    if (learned !== undefined && learned !== c.view) {
      if (c.view !== undefined && c.switches.length < MAX_OUTAGES) c.switches.push({ atUs: this.world.now(), from: c.view, to: learned });
      c.view = learned;
    }
    const next = () => this.world.after(Math.max(1, Math.round(gapUs * (0.5 + this.rng.next()))), () => this.request(c, gapUs));
    const target = c.view;
    // Until some agent has told it which cluster is active (the group is set up once a leader
    // commits it) the application has not started: nothing to call, no outage.
    if (target === undefined) return void next();
    const start = this.world.now();
    c.ops++;
    c.history.invoke(c.process, 'request', target, null, start);
    const dcNodes = this.world.topology.nodesOfDc(this.targets.dcOf(target));
    if (this.targets.cutOff(c.node, target) || dcNodes.length === 0) {
      this.world.after(this.cfg.timeoutUs, () => {
        if (this.ended) return;
        c.history.complete(c.process, 'info', this.world.now(), null);
        // After an info the process is retired (history contract): continue as a fresh one.
        c.process = this.nextProcess++;
        this.failed(c, start, target);
        next();
      });
      return;
    }
    const me = this.world.topology.index(c.node);
    const there = this.world.topology.index(dcNodes[0]!);
    const rtt = this.world.network.latency(me, there, this.rng) + this.world.network.latency(there, me, this.rng) + SERVICE_US;
    this.world.after(rtt, () => {
      if (this.ended) return;
      const end = this.world.now();
      if (this.targets.isUp(target)) {
        c.history.complete(c.process, 'ok', end, null);
        c.ok++;
        if (c.outageFrom !== undefined) this.closeOutage(c, end);
        c.lastOkEndUs = end;
      } else {
        c.history.complete(c.process, 'fail', end, null);
        this.failed(c, start, target);
      }
      next();
    });
  }

  private failed(c: ClientState, start: Micros, target: string): void {
    if (c.outageFrom !== undefined) return;
    // The outage began when the first failing request was sent (or at the last success, if later).
    c.outageFrom = Math.max(start, c.lastOkEndUs);
    c.outageTarget = target;
  }

  private closeOutage(c: ClientState, end: Micros): void {
    const from = c.outageFrom!;
    c.unavailableUs += end - from;
    c.longestOutageUs = Math.max(c.longestOutageUs, end - from);
    if (c.outages.length < MAX_OUTAGES) c.outages.push({ fromUs: from, toUs: end, target: c.outageTarget });
    c.outageFrom = undefined;
  }
}

/** `client-outage-within: T`: no client's outage lasted longer than T (an outage still open at the end counts). */
export function judgeClientOutages(exp: ExpectationSpec, reports: readonly ClientReport[] | undefined): Verdict {
  const limit = exp.params as Micros;
  if (reports === undefined || reports.length === 0) return vacuous(exp, 'no failover clients ran (add failover.clients)');
  if (reports.every((r) => r.ops === 0)) return vacuous(exp, 'no client ever sent a request (no agent knew the active target)');
  const worst = [...reports].sort((a, b) => b.longestOutageUs - a.longestOutageUs)[0]!;
  const all = reports.map((r) => `${r.node} ${humanDuration(r.longestOutageUs)}`).join(', ');
  if (worst.longestOutageUs > limit) {
    const o = worst.outages.find((x) => x.toUs - x.fromUs === worst.longestOutageUs);
    return verdict(exp, false, `${worst.node} (${worst.dc}) was not served for ${humanDuration(worst.longestOutageUs)}${o ? ` from ${humanDuration(o.fromUs)} (calling ${o.target})` : ' until the end of the run'}; longest outage per client: ${all}`, o ? o.fromUs + limit : undefined);
  }
  return verdict(exp, true, `longest outage per client: ${all}`);
}
