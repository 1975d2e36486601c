/**
 * The failover module's application clients in a real run, as src/scenario/modules/
 * failover-clients.ts has them in the simulator: each client node (its own address,
 * client-nodes.ts) learns its group's ACTIVE target from the nearest agent it can reach
 * (same DC, same region, then the rest; GET /v1/ha/groups?stale, that agent's own state) and
 * sends requests to it: a TCP connection to the target (targets.ts) that succeeds when the
 * target is up, is refused when it is down, and times out when the client is cut off from it
 * (outcome unknown: `info`). Outages (first failing request → next success) and latencies are
 * measured as in the simulator and reported in its ClientReport shape.
 */
import type { Micros, NodeId } from '../core/env.ts';
import { HistoryRecorder } from '../sim/history.ts';
import type { Topology } from '../sim/topology.ts';
import type { FailoverClientsConfig } from '../scenario/modules/failover-clients.ts';
import { completedOps, latencySeries, latencySummary } from '../scenario/metrics.ts';
import type { ClientReport } from '../scenario/types.ts';
import { randomStream } from '../host/random.ts';
import { sleep } from '../hanode/launcher.ts';
import type { RealCluster, RealNode } from './cluster.ts';
import type { ClientNodes } from './client-nodes.ts';
import { httpCall } from './http-call.ts';
import { json200 } from './api-client.ts';
import { connectOnce, type RealTargets } from './targets.ts';

/** Bound on asking one agent for the active target (a cut-off agent just does not count). */
const ASK_TIMEOUT_MS = 300;
const MAX_OUTAGES = 100;

interface Client {
  readonly node: NodeId;
  readonly dc: string;
  readonly agents: readonly RealNode[];
  view: string | undefined;
  process: number;
  ops: number;
  ok: number;
  lastOkEndUs: number;
  outageFrom: number | undefined;
  outageTarget: string;
  unavailableUs: number;
  longestOutageUs: number;
  readonly outages: { fromUs: Micros; toUs: Micros; target: string }[];
  readonly switches: { atUs: Micros; from: string; to: string }[];
  readonly history: HistoryRecorder;
}

export class RealFailoverClients {
  private readonly list: Client[];
  private nextProcess = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private lastTime = 0;

  constructor(
    private readonly cfg: FailoverClientsConfig,
    private readonly cluster: RealCluster,
    private readonly clients: ClientNodes,
    topology: Topology,
    private readonly targets: RealTargets,
    private readonly t0: number,
    private readonly endUs: number,
    private readonly seed: number,
  ) {
    this.list = cfg.nodes.map((node) => {
      const dc = topology.dcOf(node);
      const region = topology.regionOf(node);
      const rank = (n: RealNode) => (topology.dcOf(n.name) === dc ? 0 : topology.regionOf(n.name) === region ? 1 : 2);
      return {
        node, dc, agents: [...cluster.nodes].sort((a, b) => rank(a) - rank(b)), view: undefined, process: this.nextProcess++, ops: 0, ok: 0, lastOkEndUs: 0,
        outageFrom: undefined, outageTarget: '', unavailableUs: 0, longestOutageUs: 0, outages: [], switches: [], history: new HistoryRecorder(),
      };
    });
  }

  start(): void {
    this.loops = this.list.map((c) => this.client(c));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    const now = this.now();
    for (const c of this.list) {
      if (c.outageFrom !== undefined) this.closeOutage(c, now);
      c.history.closeAll(now);
    }
  }

  history() {
    return this.list.flatMap((c) => c.history.events());
  }

  reports(): ClientReport[] {
    return this.list.map((c) => {
      const ops = completedOps(c.history.events());
      const lat = latencySummary(ops);
      return {
        node: c.node, dc: c.dc, group: this.cfg.group, ops: c.ops, ok: c.ok, unavailableUs: c.unavailableUs, longestOutageUs: c.longestOutageUs,
        outages: [...c.outages], switches: [...c.switches], ...(lat ? { latency: lat } : {}), series: latencySeries(ops, this.endUs),
      };
    });
  }

  private now(): number {
    this.lastTime = Math.max(this.lastTime, Math.round((performance.now() - this.t0) * 1000));
    return this.lastTime;
  }

  /** The active target as the nearest agent that answers knows it. */
  private async askAgent(c: Client): Promise<string | undefined> {
    const from = this.clients.addr(c.node);
    const answers = await Promise.all(
      c.agents.map(async (a) => {
        if (a.state !== 'up') return undefined;
        const groups = json200(await httpCall('GET', `http://${this.cluster.http(a)}/v1/ha/groups?stale`, { timeoutMs: ASK_TIMEOUT_MS, ...(from !== undefined ? { from } : {}) }));
        if (!Array.isArray(groups)) return undefined;
        const g = (groups as { Name?: unknown; Active?: unknown }[]).find((x) => x?.Name === this.cfg.group);
        return typeof g?.Active === 'string' && g.Active !== '' ? g.Active : undefined;
      }),
    );
    return answers.find((a) => a !== undefined);
  }

  private async client(c: Client): Promise<void> {
    const r = randomStream(this.seed, `real-failover-clients/${c.node}`);
    const gapMs = 1000 / this.cfg.ratePerSec;
    await sleep(r.next() * gapMs);
    for (let i = 0; i < 10_000_000 && !this.stopped; i++) {
      const pace = sleep(gapMs * (0.5 + r.next()));
      if (!this.clients.isUp(c.node)) {
        await pace;
        continue;
      }
      const learned = await this.askAgent(c);
      if (learned !== undefined && learned !== c.view) {
        if (c.view !== undefined && c.switches.length < MAX_OUTAGES) c.switches.push({ atUs: this.now(), from: c.view, to: learned });
        c.view = learned;
      }
      const target = c.view;
      const t = target === undefined ? undefined : this.targets.list.find((x) => x.name === target);
      if (t === undefined || this.stopped) {
        await pace;
        continue;
      }
      const start = this.now();
      c.ops++;
      c.history.invoke(c.process, 'request', t.name, null, start);
      const got = await connectOnce(t.addr, t.port, this.clients.addr(c.node), this.cfg.timeoutUs / 1000);
      const end = this.now();
      if (got === 'ok') {
        c.history.complete(c.process, 'ok', end, null);
        c.ok++;
        if (c.outageFrom !== undefined) this.closeOutage(c, end);
        c.lastOkEndUs = end;
      } else {
        c.history.complete(c.process, got === 'refused' ? 'fail' : 'info', end, null);
        if (got === 'timeout') c.process = this.nextProcess++;
        if (c.outageFrom === undefined) {
          c.outageFrom = Math.max(start, c.lastOkEndUs);
          c.outageTarget = t.name;
        }
      }
      await pace;
    }
  }

  private closeOutage(c: Client, end: number): void {
    const from = c.outageFrom!;
    c.unavailableUs += end - from;
    c.longestOutageUs = Math.max(c.longestOutageUs, end - from);
    if (c.outages.length < MAX_OUTAGES) c.outages.push({ fromUs: from, toUs: end, target: c.outageTarget });
    c.outageFrom = undefined;
  }
}
