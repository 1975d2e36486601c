/**
 * `swim:` — SWIM membership (src/core/swim, memberlist's protocol with Lifeguard) on a set
 * of nodes (everywhere by default). Its timeline shows suspicions, deaths and recoveries as
 * the cluster first learns of them; the report gets each node's view over time.
 * Expectation: membership-converges (within T after the faults end, every live node sees
 * every live node alive and no down node alive).
 *
 *   swim:
 *     nodes: '*'
 *     profile: wan              # lan (default) | wan | local: memberlist's DefaultXConfig
 *     probeTarget: random       # round-robin (default, memberlist) | random (SWIM §3.1)
 *
 * With `raft: { bootstrap: expect }` each server is hanode's ServerNode, which gossips on its own
 * SWIM node: there this module configures that node (profile, timings, ./server-options.ts) and
 * builds SWIM only on the other nodes, which join the servers' pool as members that are not
 * servers (the reconciler lists them in the catalog, as Consul's leader does its client agents).
 */
import type { NodeId } from '../../core/env.ts';
import { SwimNode, type ProbeTargetMode, type ProfileName } from '../../core/swim/index.ts';
import type { TraceEvent } from '../../sim/types.ts';
import type { ModuleInstance, ScenarioModule, TimelineItem } from '../types.ts';
import { humanDuration } from '../units.ts';
import { verdict } from '../verdict.ts';
import { parseWithin, withinName, withinStartUs, type WithinParams } from './params.ts';
import type { RaftModuleConfig } from './raft.ts';
import { contributeServerOptions } from './server-options.ts';

export interface SwimModuleConfig {
  readonly nodes: readonly NodeId[];
  readonly profile: ProfileName;
  readonly probeIntervalUs?: number;
  readonly probeTimeoutUs?: number;
  readonly suspicionMult?: number;
  readonly probeTarget?: ProbeTargetMode;
}

/** The app part other modules (failover) read: app.parts.swim. */
export type SwimPart = SwimNode;

/** Samples of membership views kept for the report (bounded). */
const MEMBERSHIP_SAMPLES = 200;
/** How often convergence is checked (virtual time). */
const CONVERGE_CHECK_US = 100_000;

export const swimModule: ScenarioModule<SwimModuleConfig> = {
  name: 'swim',
  doc: 'SWIM membership and failure detection (memberlist + Lifeguard)',
  parse(v, ctx) {
    v.allowKeys(['nodes', 'profile', 'probeInterval', 'probeTimeout', 'suspicionMult', 'probeTarget']);
    const nodes = v.get('nodes').present ? ctx.topology.nodesOf(v.get('nodes')) : ctx.topology.expand('*');
    const cfg: SwimModuleConfig = {
      nodes,
      profile: v.get('profile').present ? v.get('profile').oneOf(['lan', 'wan', 'local'] as const) : 'lan',
      ...(v.get('probeInterval').present ? { probeIntervalUs: v.get('probeInterval').duration(1) } : {}),
      ...(v.get('probeTimeout').present ? { probeTimeoutUs: v.get('probeTimeout').duration(1) } : {}),
      ...(v.get('suspicionMult').present ? { suspicionMult: v.get('suspicionMult').int(1, 100) } : {}),
      ...(v.get('probeTarget').present ? { probeTarget: v.get('probeTarget').oneOf(['round-robin', 'random'] as const) } : {}),
    };
    if (cfg.probeIntervalUs !== undefined && cfg.probeTimeoutUs !== undefined && cfg.probeTimeoutUs >= cfg.probeIntervalUs) {
      v.get('probeTimeout').fail('expected probeTimeout below probeInterval');
    }
    return cfg;
  },
  expectations: {
    'membership-converges': {
      parse: parseWithin,
      name: (p) => withinName('SWIM views match reality (live nodes alive, down nodes not)', p as WithinParams),
    },
  },
  instantiate(cfg, run): ModuleInstance {
    const members = new Set(cfg.nodes);
    const { world, scenario } = run;
    const timing = {
      profile: cfg.profile,
      ...(cfg.probeIntervalUs !== undefined ? { probeIntervalUs: cfg.probeIntervalUs } : {}),
      ...(cfg.probeTimeoutUs !== undefined ? { probeTimeoutUs: cfg.probeTimeoutUs } : {}),
      ...(cfg.suspicionMult !== undefined ? { suspicionMult: cfg.suspicionMult } : {}),
      ...(cfg.probeTarget !== undefined ? { probeTarget: cfg.probeTarget } : {}),
      traceJoins: false,
    };
    // Servers that run hanode's ServerNode gossip on its own SWIM node: configure that one.
    const raftCfg = scenario.modules.get('raft') as RaftModuleConfig | undefined;
    const servers = new Set(raftCfg?.bootstrap ? raftCfg.voters : []);
    if (servers.size > 0) contributeServerOptions(run, (ctx) => (members.has(ctx.id) ? { swim: timing } : {}));
    // Seeds: the first SWIM node of every DC (Consul's retry_join habit: a few per DC).
    const seeds: NodeId[] = [];
    for (const dc of scenario.topology.dcs()) {
      const first = scenario.topology.expand(dc).find((n) => members.has(n));
      if (first) seeds.push(first);
    }
    // What the cluster as a whole has been told about each node, for a readable timeline.
    const known = new Map<NodeId, string>();
    const samples: { t: number; alive: number[]; suspect: number[] }[] = [];
    const convergedAt: number[] = [];

    const live = () => cfg.nodes.filter((n) => world.isUp(n));
    const converged = () => {
      const up = live();
      for (const n of up) {
        const s = world.app<{ swim?: SwimNode }>(n)?.swim;
        if (!s) return false;
        for (const m of cfg.nodes) {
          if (m === n) continue;
          const alive = s.member(m)?.status === 'alive';
          // A live member must be seen alive; a down one must no longer be.
          if (alive !== world.isUp(m)) return false;
        }
      }
      return true;
    };

    return {
      setupNode(ctx, app) {
        // A ServerNode's gossip: the raft module sets app.parts.swim to it.
        if (!members.has(ctx.id) || servers.has(ctx.id)) return;
        const swim = new SwimNode(ctx.env('swim'), { ...timing, seeds: seeds.filter((s) => s !== ctx.id) });
        app.parts.swim = swim;
        app.starters.push(() => swim.start());
      },
      attach() {
        const every = Math.max(1, Math.floor(run.endUs / MEMBERSHIP_SAMPLES));
        for (let t = 0; t <= run.endUs; t += every) {
          world.at(t, () => {
            const alive: number[] = [];
            const suspect: number[] = [];
            for (const n of cfg.nodes) {
              const s = world.app<{ swim?: SwimNode }>(n)?.swim;
              if (!s) {
                alive.push(-1);
                suspect.push(-1);
                continue;
              }
              let a = 0;
              let su = 0;
              for (const m of s.members()) {
                if (m.status === 'alive') a++;
                else if (m.status === 'suspect') su++;
              }
              alive.push(a);
              suspect.push(su);
            }
            samples.push({ t: world.now(), alive, suspect });
          });
        }
        for (const exp of scenario.expectations) {
          if (exp.kind !== 'membership-converges') continue;
          const p = exp.params as WithinParams;
          const from = withinStartUs(p, scenario);
          const to = Math.min(run.endUs, from + p.withinUs);
          const idx = convergedAt.push(-1) - 1;
          const check = () => {
            if (convergedAt[idx]! >= 0) return;
            if (converged()) convergedAt[idx] = world.now();
            else if (world.now() + CONVERGE_CHECK_US <= to) world.after(CONVERGE_CHECK_US, check);
          };
          world.at(from, check);
        }
      },
      timeline(ev: TraceEvent): TimelineItem | undefined {
        if (ev.svc !== 'swim') return undefined;
        const target = typeof ev.target === 'string' ? ev.target : undefined;
        const was = target ? known.get(target) : undefined;
        switch (ev.kind) {
          case 'swim.suspect':
            if (!target || was === 'suspect' || was === 'dead') return undefined;
            known.set(target, 'suspect');
            return { t: ev.t, node: target, category: 'suspect', text: `${ev.node} suspects ${target}` };
          case 'swim.dead':
            if (!target || was === 'dead') return undefined;
            known.set(target, 'dead');
            return { t: ev.t, node: target, category: 'membership', text: `${ev.node} declares ${target} dead` };
          case 'swim.alive':
            if (!target || (was !== 'suspect' && was !== 'dead')) return undefined;
            known.set(target, 'alive');
            return { t: ev.t, node: target, category: 'membership', text: `${target} is alive again (told by ${ev.node})` };
          default:
            return undefined;
        }
      },
      evaluate(exp) {
        const i = scenario.expectations.filter((e) => e.kind === 'membership-converges').indexOf(exp);
        const p = exp.params as WithinParams;
        const from = withinStartUs(p, scenario);
        const at = convergedAt[i] ?? -1;
        if (from + p.withinUs > run.endUs && at < 0) {
          return verdict(exp, false, `the run ends ${humanDuration(run.endUs - from)} after ${humanDuration(from)}, before the ${humanDuration(p.withinUs)} window closes, and views had not converged`);
        }
        return verdict(
          exp,
          at >= 0,
          at >= 0
            ? `all ${live().length} live nodes saw each other alive (and the ${cfg.nodes.length - live().length} down ones not) at ${humanDuration(at)} (${humanDuration(at - from)} after ${humanDuration(from)})`
            : `views had not converged by ${humanDuration(from + p.withinUs)}`,
          at >= 0 ? undefined : from + p.withinUs,
        );
      },
      membership: () => ({ nodes: cfg.nodes, samples }),
    };
  },
};
