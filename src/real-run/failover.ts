/**
 * The `failover:` module on real agents. Every agent runs hanode's failover service (it
 * observes every target: hanode has no per-node observer list) with the scenario's check
 * interval (--ha-check-interval; hanode derives the timeout as half of it); targets are TCP
 * listeners (targets.ts), put with PUT /v1/ha/targets/KEY {Value, Check: {TCP}}, groups with
 * PUT /v1/ha/groups/NAME. What the agents decide is read from outside every WATCH_MS:
 * GET /v1/ha/events (DOWN/UP declarations) and GET /v1/ha/groups (each group's active target),
 * stamped when first seen (late by at most one poll and one request).
 *
 * Judged, with the simulator's meanings (src/scenario/modules/failover.ts):
 *   failover-within {target, within}: each scripted loss of the target that lasted `within`
 *     was declared DOWN and (when it is a group's first) the group switched, within `within`;
 *   no-false-failover: every DOWN event had evidence in the lookback window before it (2 x the
 *     detection bound, as src/sim/checkers/failover.ts): the target scripted down, or a majority
 *     of the agents cut off from it by our nft rules; every UP event had the target up;
 *   client-outage-within: the application clients (failover-clients-real.ts), judged by the
 *     simulator's judgeClientOutages.
 * NOT applied (said in the run's notes): failuresBeforeDown / successesBeforeUp / evalInterval /
 * confirmEvals other than hanode's defaults, a checkTimeout other than half the interval, and
 * the observers list (every agent observes).
 */
import type { NodeId } from '../core/env.ts';
import { DEFAULT_HA_CONFIG, detectionBoundUs, haConfig } from '../core/ha/index.ts';
import { PROFILES } from '../core/swim/index.ts';
import type { FailoverModuleConfig } from '../scenario/modules/failover.ts';
import type { ExpectationSpec, Verdict } from '../scenario/types.ts';
import { humanDuration } from '../scenario/units.ts';
import { judgeClientOutages } from '../scenario/modules/failover-clients.ts';
import type { Topology } from '../sim/topology.ts';
import { sleep } from '../hanode/launcher.ts';
import type { RealCluster } from './cluster.ts';
import type { ClientNodes } from './client-nodes.ts';
import type { Cut } from './nft.ts';
import { httpCall } from './http-call.ts';
import { json200 } from './api-client.ts';
import { RealTargets } from './targets.ts';
import { RealFailoverClients } from './failover-clients-real.ts';

/** Poll period of the events / groups watcher and the evidence sampler. */
const WATCH_MS = 200;
/** Gossip term of the bound: agents spread results over SWIM with hanode's LAN profile (4 rounds + one hop, as failover.ts). */
const GOSSIP_BOUND_US = 4 * PROFILES.lan.gossipIntervalUs + 150_000;
/** Commit term of the bound (failover.ts COMMIT_BOUND_US). */
const COMMIT_BOUND_US = 300_000;

export interface SeenEvent {
  readonly id: number;
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly atUs: number;
}

/** The hanode agent flags that carry a failover config, and the settings they cannot carry. */
export function failoverAgentArgs(cfg: FailoverModuleConfig, voters: readonly NodeId[]): { args: string[]; notApplied: string[] } {
  const notApplied: string[] = [];
  const ha = haConfig(cfg.ha);
  const args = cfg.ha.checkIntervalUs !== undefined ? ['--ha-check-interval', `${Math.round(cfg.ha.checkIntervalUs / 1000)}ms`] : [];
  const interval = ha.checkIntervalUs;
  if (cfg.ha.checkTimeoutUs !== undefined && cfg.ha.checkTimeoutUs !== Math.max(1000, Math.floor(interval / 2))) notApplied.push(`failover.checkTimeout ${humanDuration(cfg.ha.checkTimeoutUs)} (hanode uses half the interval)`);
  for (const k of ['failuresBeforeDown', 'successesBeforeUp', 'evalIntervalUs', 'confirmEvals'] as const) {
    if (cfg.ha[k] !== undefined && cfg.ha[k] !== DEFAULT_HA_CONFIG[k]) notApplied.push(`failover.${k.replace(/Us$/, '')} (hanode uses its default ${DEFAULT_HA_CONFIG[k]})`);
  }
  const others = voters.filter((v) => !cfg.observers.includes(v));
  if (others.length > 0) notApplied.push(`failover.observers (every agent observes; also ${others.join(',')})`);
  return { args, notApplied };
}

export class RealFailover {
  readonly targets: RealTargets;
  readonly events: SeenEvent[] = [];
  /** Each group's active target as seen, when it changed. */
  readonly active: { atUs: number; group: string; active: string }[] = [];
  readonly apps: RealFailoverClients | undefined;
  setupDone = false;
  private readonly evidence: { atUs: number; down: Set<string>; cut: Set<string> }[] = [];
  private readonly boundUs: number;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly cfg: FailoverModuleConfig,
    private readonly cluster: RealCluster,
    clients: ClientNodes,
    topology: Topology,
    port: number,
    private readonly t0: number,
    private readonly endUs: number,
    /** The nft cuts in force now (faults.ts). */
    private readonly cutsNow: () => readonly Cut[],
    seed: number,
  ) {
    this.targets = new RealTargets(cfg.targets, topology, port, t0, endUs);
    this.boundUs = detectionBoundUs(haConfig(cfg.ha), GOSSIP_BOUND_US, COMMIT_BOUND_US).totalUs;
    this.apps = cfg.clients ? new RealFailoverClients(cfg.clients, cluster, clients, topology, this.targets, t0, endUs, seed) : undefined;
  }

  /** Target addresses a selector names (a target belongs to its DC, region and '*'). */
  addrsOf(sel: string, topology: Topology): { name: string; addr: string }[] {
    return this.targets.list.filter((t) => sel === '*' || sel === t.dc || (topology.regions.includes(sel) && topology.regionOf(topology.nodesOfDc(t.dc)[0] ?? '') === sel)).map((t) => ({ name: t.name, addr: t.addr }));
  }

  async start(): Promise<void> {
    await this.targets.start();
    this.loop = this.run();
    this.apps?.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.apps?.stop();
    await this.targets.stop();
  }

  private now(): number {
    return Math.round((performance.now() - this.t0) * 1000);
  }

  private async api(method: string, path: string, body?: string): Promise<unknown> {
    for (const n of this.cluster.nodes) {
      if (n.state !== 'up') continue;
      const v = json200(await httpCall(method, `http://${this.cluster.http(n)}${path}`, { timeoutMs: 2000, ...(body !== undefined ? { body } : {}) }));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private async setup(): Promise<boolean> {
    for (const t of this.targets.list) {
      if ((await this.api('PUT', `/v1/ha/targets/${t.name}`, JSON.stringify({ Value: `${t.addr}:${t.port}`, Check: this.targets.check(t) }))) !== true) return false;
    }
    for (const g of this.cfg.groups) if ((await this.api('PUT', `/v1/ha/groups/${g.name}`, JSON.stringify({ Targets: g.targets }))) !== true) return false;
    return true;
  }

  private async run(): Promise<void> {
    for (let i = 0; i < 10_000_000 && !this.stopped; i++) {
      if (!this.setupDone) this.setupDone = await this.setup();
      this.sample();
      const evs = await this.api('GET', '/v1/ha/events');
      if (Array.isArray(evs)) {
        for (const e of evs as { ID?: unknown; Key?: unknown; From?: unknown; To?: unknown }[]) {
          const id = Number(e?.ID);
          if (!Number.isSafeInteger(id) || this.events.some((x) => x.id === id)) continue;
          this.events.push({ id, key: String(e.Key), from: String(e.From), to: String(e.To), atUs: this.now() });
        }
      }
      const groups = await this.api('GET', '/v1/ha/groups');
      if (Array.isArray(groups)) {
        for (const g of groups as { Name?: unknown; Active?: unknown }[]) {
          if (typeof g?.Name !== 'string' || typeof g.Active !== 'string') continue;
          const last = [...this.active].reverse().find((a) => a.group === g.Name);
          if (last?.active !== g.Active) this.active.push({ atUs: this.now(), group: g.Name, active: g.Active });
        }
      }
      await sleep(WATCH_MS);
    }
  }

  /** Evidence now: targets scripted down, targets cut off from a majority of the agents. */
  private sample(): void {
    const at = this.now();
    const cuts = this.cutsNow();
    const down = new Set(this.targets.list.filter((t) => !this.targets.isUp(t.name, at)).map((t) => t.name));
    const cut = new Set<string>();
    const majority = Math.floor(this.cluster.nodes.length / 2) + 1;
    for (const t of this.targets.list) {
      const off = this.cluster.nodes.filter((n) => cuts.some((c) => (c.from === n.addr && c.to === t.addr) || (c.from === t.addr && c.to === n.addr))).length;
      if (off >= majority) cut.add(t.name);
    }
    if (this.evidence.length < 1_000_000) this.evidence.push({ atUs: at, down, cut });
  }

  evaluate(exp: ExpectationSpec): Verdict {
    const base = { name: exp.name, kind: exp.kind };
    const v = (ok: boolean, detail: string): Verdict => ({ ...base, status: ok ? 'pass' : 'fail', passed: ok, detail });
    if (!this.setupDone) return v(false, 'the HA targets and groups were never all committed: no leader took them');
    if (exp.kind === 'client-outage-within') return judgeClientOutages(exp, this.apps?.reports());
    if (exp.kind === 'no-false-failover') {
      const target = exp.params as string | undefined;
      const lookback = 2 * this.boundUs;
      const bad: string[] = [];
      const evs = this.events.filter((e) => !target || e.key === target);
      for (const e of evs) {
        const window = this.evidence.filter((s) => s.atUs >= e.atUs - lookback && s.atUs <= e.atUs);
        const ok = e.to === 'DOWN' ? window.some((s) => s.down.has(e.key) || s.cut.has(e.key)) : e.to === 'UP' ? window.some((s) => !s.down.has(e.key)) : true;
        if (!ok) bad.push(`${e.key}: ${e.to} event #${e.id} seen at ${humanDuration(e.atUs)} without evidence in the ${humanDuration(lookback)} before it`);
      }
      return v(bad.length === 0, bad.length === 0 ? `${evs.length} HA event(s) seen, each with evidence (target down, or a majority of the agents cut off from it)` : `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`);
    }
    if (exp.kind === 'failover-within') {
      const p = exp.params as { target: string; withinUs: number };
      if (!this.targets.list.some((t) => t.name === p.target)) return v(false, `no target named "${p.target}"`);
      const tr = this.targets.model.transitions(p.target, this.endUs);
      const downs = tr.map((x, i) => ({ from: x.t, to: i + 1 < tr.length ? tr[i + 1]!.t : this.endUs, up: x.up })).filter((x) => !x.up && x.to - x.from >= p.withinUs);
      if (downs.length === 0) return v(false, `${p.target} was never lost for ${humanDuration(p.withinUs)} or more in this run`);
      const group = this.cfg.groups.find((g) => g.targets[0] === p.target);
      const lines: string[] = [];
      for (const d of downs) {
        const ev = this.events.find((e) => e.key === p.target && e.to === 'DOWN' && e.atUs >= d.from);
        if (!ev) return v(false, `${p.target} went down at ${humanDuration(d.from)} and was never seen declared DOWN`);
        const sw = group ? this.active.find((a) => a.group === group.name && a.atUs >= d.from && a.active !== p.target) : undefined;
        if (group && !sw) return v(false, `${p.target} declared DOWN (seen at ${humanDuration(ev.atUs)}) but group ${group.name} was never seen switching`);
        const doneAt = sw ? sw.atUs : ev.atUs;
        const took = doneAt - d.from;
        const line = `${p.target} down at ${humanDuration(d.from)}, DOWN seen at ${humanDuration(ev.atUs)}${sw ? `, ${group!.name} switched to ${sw.active} (seen) at ${humanDuration(sw.atUs)}` : ''}: ${humanDuration(took)}`;
        if (took > p.withinUs) return v(false, `${line} (computed bound ${humanDuration(this.boundUs)})`);
        lines.push(line);
      }
      return v(true, `${lines.join('; ')} (computed bound ${humanDuration(this.boundUs)})`);
    }
    return { ...base, status: 'unavailable', passed: false, detail: `not judged in a real run: ${exp.kind}` };
  }

  /** Time from each scripted loss to the DOWN event being seen (for hasim compare). */
  detectionTimesUs(): number[] {
    const out: number[] = [];
    for (const t of this.targets.list) {
      for (const x of this.targets.model.transitions(t.name, this.endUs)) {
        if (x.up) continue;
        const ev = this.events.find((e) => e.key === t.name && e.to === 'DOWN' && e.atUs >= x.t);
        if (ev) out.push(ev.atUs - x.t);
      }
    }
    return out;
  }
}
