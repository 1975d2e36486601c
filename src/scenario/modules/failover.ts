/**
 * `failover:` — the Couchbase-style health-quorum failover (src/core/ha): observers (Raft
 * nodes spread over the DCs) probe monitored targets (one cluster per DC, src/sim/targets.ts:
 * a probe fails when the target is down OR the observer is cut off from its DC), agree by
 * quorum that one is down, and switch each failover group (the clients' active cluster) to
 * the next target. Judged by src/sim/checkers/failover.ts.
 *
 *   failover:
 *     observers: [e1a, e2a, w1a]             # must run Raft (they replicate the HA state)
 *     targets:
 *       - { name: cb-east-1, dc: east-1, script: [{ at: 40s, state: down }] }
 *       - { name: cb-west-1, dc: west-1 }
 *     groups:
 *       - { name: app, targets: [cb-east-1, cb-west-1] }   # first preferred
 *     checkInterval: 1s                      # src/core/ha/config.ts defaults otherwise
 *
 * Expectations: failover-within {target, within} (a scripted loss of the target is declared
 * DOWN, and its groups switched, within T), no-false-failover [target] (no DOWN/UP event
 * without evidence: the target really down, or a majority of observers cut off from it).
 *
 * With `raft: { bootstrap: expect }` each server is hanode's ServerNode: this module hands it the
 * HA options hanode's `ha` takes (probe, notifier, timings; ./server-options.ts) and its HA
 * service runs there (results over its SWIM, every voter an observer, as in hanode), so the
 * observers must be exactly the voters.
 */
import { PROFILES, type ProfileName, type SwimNode } from '../../core/swim/index.ts';
import type { Micros, NodeId } from '../../core/env.ts';
import {
  DirectFanout, HaService, SwimObservers, SwimTransport, RecordingNotifier, detectionBoundUs, haConfig, type HaCommand, type HaConfig, type HaStateMachine,
} from '../../core/ha/index.ts';
import { FailoverChecker, type FailoverVerdict } from '../../sim/checkers/failover.ts';
import { SimTargets, type HealthStep } from '../../sim/targets.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { formatDuration, humanDuration } from '../units.ts';
import { verdict } from '../verdict.ts';
import type { RaftModuleConfig, RaftPart } from './raft.ts';
import { FailoverClients, judgeClientOutages, parseFailoverClients, type FailoverClientsConfig } from './failover-clients.ts';
import { contributeServerOptions } from './server-options.ts';

export interface FailoverTarget {
  readonly name: string;
  readonly dc: string;
  readonly script: readonly HealthStep[];
}

export interface FailoverModuleConfig {
  readonly observers: readonly NodeId[];
  readonly targets: readonly FailoverTarget[];
  readonly groups: readonly { readonly name: string; readonly targets: readonly string[] }[];
  readonly ha: Partial<HaConfig>;
  /** Application clients of one group (failover-clients.ts), when the scenario has them. */
  readonly clients?: FailoverClientsConfig;
}

/** How often the setup writer retries putting targets and groups until a leader commits them. */
const SETUP_RETRY_US = 200_000;
/**
 * Gossip delay term of the detection bound: one direct fan-out hop, worst default link is
 * cross-region (src/sim/latency.ts defaults); the same figure test/ha/harness.ts uses.
 */
const GOSSIP_BOUND_US = 150_000;
/**
 * Gossip term when results travel over SWIM: a broadcast goes out with the next gossip round
 * or probe and reaches everyone in a few rounds (bench/swim-dissemination: ~log n rounds; 4
 * covers the scenario sizes), plus one cross-region hop.
 */
function swimGossipBoundUs(swim: { profile: ProfileName }): Micros {
  return 4 * PROFILES[swim.profile].gossipIntervalUs + GOSSIP_BOUND_US;
}
/** Commit term of the bound with real Raft: a cross-region round trip plus an fsync, generously. */
const COMMIT_BOUND_US = 300_000;

export const failoverModule: ScenarioModule<FailoverModuleConfig> = {
  name: 'failover',
  doc: 'health-quorum failover of monitored targets by spread observers',
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['observers', 'targets', 'groups', 'checkInterval', 'checkTimeout', 'failuresBeforeDown', 'successesBeforeUp', 'evalInterval', 'confirmEvals', 'clients']);
    const raft = ctx.modules.get('raft') as RaftModuleConfig | undefined;
    const raftNodes = new Set([...(raft?.voters ?? []), ...(raft?.learners ?? [])]);
    const obsV = v.get('observers').required();
    const observers = ctx.topology.nodesOf(obsV);
    const off = observers.find((o) => !raftNodes.has(o));
    if (off) obsV.fail(`observer "${off}" does not run Raft (observers replicate the HA state): add it to raft.voters or raft.learners`);
    // hanode runs the HA service on every server (ServerNode's `ha`): every voter observes.
    if (raft?.bootstrap && (observers.length !== raft.voters.length || raft.voters.some((n) => !observers.includes(n)))) {
      obsV.fail(`with raft.bootstrap: expect every server observes (hanode runs the HA service on each): expected the voters [${raft.voters.join(', ')}]`);
    }
    const names = new Set<string>();
    const dcs = ctx.topology.dcs();
    const targets = v
      .get('targets')
      .required()
      .list()
      .map((tv) => {
        tv.allowKeys(['name', 'dc', 'script']);
        const name = tv.get('name').required().str();
        if (names.has(name)) tv.get('name').fail(`target "${name}" is declared twice`);
        names.add(name);
        const dcV = tv.get('dc').required();
        const dc = dcV.str();
        if (!dcs.includes(dc)) dcV.fail(`unknown DC "${dc}"; expected one of: ${dcs.join(', ')}`);
        let last = -1;
        const script = tv
          .get('script')
          .listOpt()
          .map((sv): HealthStep => {
            sv.allowKeys(['at', 'state', 'down', 'up']);
            const at = sv.get('at').required().duration();
            if (at < last) sv.get('at').fail('expected script steps in time order');
            last = at;
            const state = sv.get('state').required().oneOf(['up', 'down', 'flapping'] as const);
            if (state === 'flapping') return { at, state, downUs: sv.get('down').required().duration(1), upUs: sv.get('up').required().duration(1) };
            return { at, state };
          });
        return { name, dc, script };
      });
    const groups = v
      .get('groups')
      .listOpt()
      .map((gv) => {
        gv.allowKeys(['name', 'targets']);
        const ts = gv
          .get('targets')
          .required()
          .list()
          .map((x) => {
            const n = x.str();
            if (!names.has(n)) x.fail(`unknown target "${n}"; expected one of: ${[...names].join(', ')}`);
            return n;
          });
        if (ts.length < 2) gv.get('targets').expect('at least two targets (a primary and a standby)');
        return { name: gv.get('name').required().str(), targets: ts };
      });
    const ha: Record<string, number> = {};
    for (const [k, f] of [['checkInterval', 'checkIntervalUs'], ['checkTimeout', 'checkTimeoutUs'], ['evalInterval', 'evalIntervalUs']] as const) {
      if (v.get(k).present) ha[f] = v.get(k).duration(1);
    }
    for (const k of ['failuresBeforeDown', 'successesBeforeUp', 'confirmEvals'] as const) if (v.get(k).present) ha[k] = v.get(k).int(1, 100);
    try {
      haConfig(ha);
    } catch (e) {
      v.fail(`inconsistent HA timing: ${(e as Error).message}`);
    }
    const clients = parseFailoverClients(v.get('clients'), ctx, groups, new Set(observers));
    return { observers, targets, groups, ha, ...(clients ? { clients } : {}) };
  },
  expectations: {
    'failover-within': {
      parse(v) {
        v.required().allowKeys(['target', 'within']);
        return { target: v.get('target').required().str(), withinUs: v.get('within').required().duration(1) };
      },
      name: (p) => {
        const q = p as { target: string; withinUs: number };
        return `${q.target} fails over within ${formatDuration(q.withinUs)} of being lost`;
      },
    },
    'client-outage-within': {
      parse: (v) => v.required().duration(1),
      name: (p) => `every failover client is served again within ${formatDuration(p as number)} of an outage starting`,
    },
    'no-false-failover': {
      parse: (v) => (v.present ? v.str() : undefined),
      name: (p) => (p ? `no false failover of ${p as string}` : 'no false failover'),
    },
  },
  instantiate(cfg, run): ModuleInstance {
    const world = run.world;
    const { scenario } = run;
    const observers = new Set(cfg.observers);
    const haCfg = haConfig(cfg.ha);
    // Bootstrap-mode servers gossip HA results over their own SWIM (LAN profile unless swim: says).
    const bootstrapped = (scenario.modules.get('raft') as RaftModuleConfig | undefined)?.bootstrap !== undefined;
    const swimCfg = (scenario.modules.get('swim') as { profile: ProfileName } | undefined) ?? (bootstrapped ? { profile: 'lan' as const } : undefined);
    const bound = detectionBoundUs(haCfg, swimCfg ? swimGossipBoundUs(swimCfg) : GOSSIP_BOUND_US, COMMIT_BOUND_US);
    const targets = new SimTargets(
      world,
      cfg.targets.map((t) => ({ key: t.name, dc: t.dc, script: t.script })),
    );
    let checker: FailoverChecker | undefined;
    let result: FailoverVerdict | undefined;
    let ended = false;
    const seenEvents = new Set<number>();
    const seenActive = new Set<number>();
    const setup: HaCommand[] = [
      ...cfg.targets.map((t): HaCommand => ({ type: 'ha.target.put', key: t.name, value: `${t.dc}:8091` })),
      ...cfg.groups.map((g): HaCommand => ({ type: 'ha.group.put', name: g.name, targets: g.targets })),
    ];
    let setupDone = 0;
    const apps = cfg.clients ? new FailoverClients(world, targets, cfg.clients, cfg.observers, run.endUs) : undefined;
    // Final: judged once over the whole run; mid-run (a live view): up to now.
    const verdictNow = () => (ended ? (result ??= checker!.verdict(run.endUs)) : checker!.verdict(world.now()));
    const raftCfg = scenario.modules.get('raft') as RaftModuleConfig;
    const raftVoters = raftCfg.voters;
    // Bootstrap mode: the servers' own HA service (ServerNode's `ha`, hanode's) with this probe and timings.
    const onServerNode = bootstrapped;
    if (onServerNode) {
      contributeServerOptions(run, (ctx) => (observers.has(ctx.id) ? { ha: { probe: targets.probe(ctx.env('ha')), notify: new RecordingNotifier(), config: haCfg } } : {}));
    }

    const writeSetup = () => {
      if (setupDone >= setup.length || world.now() >= run.endUs) return;
      const leader = raftVoters.map((n) => world.app<{ raft?: RaftPart }>(n)?.raft?.node).find((r) => r?.isLeader());
      if (!leader) {
        world.after(SETUP_RETRY_US, writeSetup);
        return;
      }
      leader.propose(setup[setupDone]!, (r) => {
        if (r.ok) setupDone++;
        world.after(r.ok ? 0 : SETUP_RETRY_US, writeSetup);
      });
    };

    return {
      setupNode(ctx, app) {
        // The TUI's failover panel reads each client node's state through this (src/tui/failover-snapshot.ts).
        if (apps?.has(ctx.id)) app.parts.failoverClient = { liveClient: () => apps.live(ctx.id) };
        if (!observers.has(ctx.id)) return;
        // The raft module built hanode's ServerNode with its HA service (app.parts.ha).
        if (onServerNode) return;
        const raft = app.parts.raft as RaftPart | undefined;
        if (!raft) return;
        const env = ctx.env('ha');
        // Where SWIM runs, results spread as SWIM gossip and live observers come from SWIM
        // membership (the seed's design); otherwise a direct fan-out among the observers.
        const swim = app.parts.swim as SwimNode | undefined;
        const spread = swim
          ? { transport: new SwimTransport(swim, haCfg.maxTargets), observerView: new SwimObservers(swim, ctx.id, (n) => observers.has(n), () => cfg.observers) }
          : { transport: new DirectFanout(env, () => cfg.observers), observers: cfg.observers };
        const ha = new HaService(env, {
          state: raft.core.haState,
          replicator: raft.core.log,
          probe: targets.probe(env),
          ...spread,
          notify: new RecordingNotifier(),
          config: haCfg,
        });
        app.parts.ha = ha;
        app.starters.push(() => ha.start());
      },
      attach() {
        checker = new FailoverChecker(world, targets, { observers: cfg.observers, boundUs: bound.totalUs });
        world.after(0, writeSetup);
        apps?.start();
      },
      end() {
        ended = true;
        apps?.finish();
      },
      ...(apps
        ? {
            history: () => apps.history(),
            availability: () => apps.availability(),
            clients: () => apps.reports(),
          }
        : {}),
      timeline(ev) {
        if (ev.kind === 'ha.event') {
          const id = Number(ev.id);
          if (seenEvents.has(id)) return undefined;
          seenEvents.add(id);
          return { t: ev.t, category: 'failover', text: `HA: ${ev.target} declared ${String(ev.to).toUpperCase()} (${ev.agree} of ${ev.live} live observers agree)` };
        }
        if (ev.kind === 'ha.active') {
          const idx = Number(ev.index);
          if (seenActive.has(idx)) return undefined;
          seenActive.add(idx);
          return { t: ev.t, category: 'failover', text: `HA: group ${ev.group} switched clients ${ev.from} → ${ev.to}` };
        }
        return undefined;
      },
      evaluate(exp) {
        const v = verdictNow();
        if (setupDone < setup.length) return verdict(exp, false, `the HA targets and groups were never all committed (${setupDone}/${setup.length}): no Raft leader took them`);
        if (exp.kind === 'failover-within') {
          const p = exp.params as { target: string; withinUs: number };
          if (!cfg.targets.some((t) => t.name === p.target)) return verdict(exp, false, `no target named "${p.target}"`);
          // Every real loss that lasted at least T must be declared (and its groups switched)
          // within T; shorter outages (a flapping target) may be damped, that is the point.
          const tr = targets.transitions(p.target, run.endUs);
          const downs = tr
            .map((x, i) => ({ from: x.t, to: i + 1 < tr.length ? tr[i + 1]!.t : run.endUs, up: x.up }))
            .filter((x) => !x.up && x.to - x.from >= p.withinUs);
          if (downs.length === 0) return verdict(exp, false, `${p.target} was never lost for ${humanDuration(p.withinUs)} or more in this run (give it a script step {at, state: down})`);
          const inGroup = cfg.groups.some((g) => g.targets[0] === p.target);
          const lines: string[] = [];
          for (const down of downs) {
            const d = v.detections.find((x) => x.key === p.target && x.to === 'down' && x.realAtUs === down.from);
            const deadline = down.from + p.withinUs;
            if (!d || d.declaredAtUs === undefined) return verdict(exp, false, `${p.target} went down at ${humanDuration(down.from)} and was never declared DOWN`, deadline);
            const doneAt = inGroup ? d.failedOverAtUs : d.declaredAtUs;
            if (doneAt === undefined) return verdict(exp, false, `${p.target} declared DOWN at ${humanDuration(d.declaredAtUs)} but its group never switched`, deadline);
            const took = doneAt - down.from;
            const line = `${p.target} down at ${humanDuration(down.from)}, declared DOWN at ${humanDuration(d.declaredAtUs)}${inGroup ? `, clients switched at ${humanDuration(doneAt)}` : ''}: ${humanDuration(took)}`;
            if (took > p.withinUs) return verdict(exp, false, `${line} (computed bound ${humanDuration(bound.totalUs)})`, deadline);
            lines.push(line);
          }
          return verdict(exp, true, `${lines.join('; ')} (computed bound ${humanDuration(bound.totalUs)})`);
        }
        if (exp.kind === 'client-outage-within') return judgeClientOutages(exp, apps?.reports());
        if (exp.kind === 'no-false-failover') {
          const target = exp.params as string | undefined;
          const bad = v.violations.filter((x) => (/ (DOWN|UP) event #/.test(x) || x.includes('events for one real transition')) && (!target || x.startsWith(`${target}:`)));
          const evs = v.events.filter((e) => !target || e.key === target);
          return verdict(exp, bad.length === 0, bad.length === 0 ? `${evs.length} HA event(s), each with evidence (target down, or a majority of observers cut off)` : `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`);
        }
        return verdict(exp, false, `the failover module does not know "${exp.kind}"`);
      },
    };
  },
};
