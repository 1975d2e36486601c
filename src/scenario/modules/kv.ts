/**
 * `kv:` — closed-loop clients on client nodes speaking hanode's Consul-style KV API to the Raft
 * servers, whose /v1/kv routes run in-process over each server's shared assembly (ServerCore,
 * ./kv-api.ts), the history (docs/formats.md --history), and the checks: linearizable
 * (src/sim/checkers/linearizability) and availability.
 *
 *   kv:
 *     clients: [c1, c2]          # client nodes (not Raft nodes): one client process each
 *     rate: 20/s                 # per client
 *     mix: { read: 50, write: 40, cas: 10 }
 *     keys: 8
 *     distribution: zipf         # uniform | zipf
 *     timeout: 5s                # whole-operation deadline
 *     reads: consistent          # consistent (quorum round per read) | default (leader lease),
 *                                # the guarantees of hanode's ?consistent and default mode (docs/consistency.md)
 *     sticky: false              # true: each client keeps calling its first server (its
 *                                # local agent), even a cut-off old leader, never moving on after a timeout
 *     via: api                   # the only path: hanode's /v1/kv routes in-process with leader
 *                                # forwarding (./kv-api.ts). `kv-protocol` (src/core/kvserver, a KV
 *                                # server hanode never runs) is retired (issue 14).
 */
import type { NodeId } from '../../core/env.ts';
import { checkLinearizability, describeLinearizability } from '../../sim/checkers/linearizability/index.ts';
import { KV_OPS, KvWorkload, type KvOpName, type WorkloadKvClient } from '../../sim/workload/index.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { unavailable, verdict, vacuous } from '../verdict.ts';
import { noParams } from './params.ts';
import { API_SERVICE, apiClientOf, apiServerOf } from './kv-api.ts';
import type { RaftModuleConfig, RaftPart } from './raft.ts';

export interface KvModuleConfig {
  readonly clients: readonly NodeId[];
  readonly ratePerSec: number;
  readonly mix: Readonly<Partial<Record<KvOpName, number>>>;
  readonly keys: number;
  readonly distribution: 'uniform' | 'zipf';
  readonly timeoutUs: number;
  /** The read mode: the linearizability check judges reads by the guarantee docs/consistency.md claims for it. */
  readonly reads: 'consistent' | 'default' | 'stale';
  /** Nodes clients talk to (default: the Raft voters). */
  readonly servers?: readonly NodeId[];
  /** Sticky clients: each keeps calling its first server (its local agent) even after timeouts. */
  readonly sticky: boolean;
}

export const kvModule: ScenarioModule<KvModuleConfig> = {
  name: 'kv',
  doc: 'KV clients (read, write, CAS) over Raft; history, linearizability, availability',
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['clients', 'rate', 'mix', 'keys', 'distribution', 'timeout', 'servers', 'reads', 'via', 'sticky']);
    const raft = ctx.modules.get('raft') as RaftModuleConfig | undefined;
    const raftNodes = new Set([...(raft?.voters ?? []), ...(raft?.learners ?? [])]);
    const clientsV = v.get('clients').required();
    const clients = ctx.topology.nodesOf(clientsV);
    const clash = clients.find((c) => raftNodes.has(c));
    if (clash) clientsV.fail(`client node "${clash}" also runs Raft; clients need nodes of their own (a node has one KV endpoint)`);
    const mixV = v.get('mix');
    const mix: Partial<Record<KvOpName, number>> = {};
    if (mixV.present) {
      mixV.allowKeys(KV_OPS);
      for (const k of mixV.keys()) mix[k as KvOpName] = mixV.get(k).num(0, 1e6);
      if (!Object.values(mix).some((w) => w > 0)) mixV.fail('expected at least one operation with a weight > 0');
    } else {
      mix.read = 50;
      mix.write = 50;
    }
    const rateV = v.get('rate');
    // Default 10 ops/s per client: a scenario choice (light load, many overlapping ops).
    const ratePerSec = rateV.present ? rateV.rate() : 10;
    if (ratePerSec > 10_000 || ratePerSec <= 0) rateV.fail('expected a rate in (0, 10000/s] per client');
    const serversV = v.get('servers');
    let servers: NodeId[] | undefined;
    if (serversV.present) {
      servers = ctx.topology.nodesOf(serversV);
      const off = servers.find((s) => !raftNodes.has(s));
      if (off) serversV.fail(`server "${off}" does not run Raft`);
    }
    // The daemon's API only: what hanode serves is what the simulator judges (issue 14).
    // `via: api` stays accepted (older scenarios spell it out); kv-protocol is retired.
    const viaV = v.get('via');
    if (viaV.present && viaV.str() !== 'api') viaV.fail(`expected "api", got "${viaV.str()}" (kv-protocol, a KV server hanode never runs, was retired: clients speak the daemon's /v1/kv API)`);
    const readsV = v.get('reads');
    const reads = readsV.present ? readsV.oneOf(['consistent', 'default', 'stale'] as const) : 'consistent';
    const stickyV = v.get('sticky');
    const sticky = stickyV.present ? stickyV.bool() : false;
    return {
      clients,
      ratePerSec,
      mix,
      // Workload defaults are scenario choices, not protocol timings: few keys, so that
      // operations on one key overlap and the linearizability check has something to judge.
      keys: v.get('keys').intOr(8, 1, 100_000),
      distribution: v.get('distribution').present ? v.get('distribution').oneOf(['uniform', 'zipf'] as const) : 'uniform',
      // etcdctl's --command-timeout default is 5 s.
      timeoutUs: v.get('timeout').durationOr(5_000_000, 1),
      // consistent by default: the strongest mode, and the one runs before this key existed used.
      reads,
      sticky,
      ...(servers ? { servers } : {}),
    };
  },
  expectations: {
    linearizable: { parse: noParams, name: () => 'KV history is linearizable' },
    availability: {
      parse: (v) => v.required().ratio(),
      name: (p) => `availability >= ${((p as number) * 100).toFixed(2).replace(/\.?0+$/, '')}% of operations`,
    },
  },
  instantiate(cfg, run): ModuleInstance {
    const { world, scenario } = run;
    const raftCfg = scenario.modules.get('raft') as RaftModuleConfig;
    const servers = cfg.servers ?? raftCfg.voters;
    const raftNodes = new Set([...raftCfg.voters, ...raftCfg.learners]);
    const clients = new Set(cfg.clients);
    const workload = new KvWorkload(world, {
      clients: cfg.clients,
      servers,
      keys: cfg.keys,
      // Zipf with YCSB's default constant 0.99 (src/sim/workload/key-dist.ts), or uniform.
      keyDist: { kind: cfg.distribution },
      // The scenario's rate is per client; the workload's is over all clients.
      ratePerSec: cfg.ratePerSec * cfg.clients.length,
      // Only the operations the scenario names: one left out has weight 0.
      mix: Object.fromEntries(KV_OPS.map((f) => [f, cfg.mix[f] ?? 0])) as Record<KvOpName, number>,
      until: run.endUs,
      // The runner builds each node's app once (setupNode below makes the client core).
      clientOf: (node) => world.app<{ kvClient?: WorkloadKvClient }>(node)?.kvClient,
    });
    return {
      setupNode(ctx, app) {
        if (raftNodes.has(ctx.id)) {
          const raft = app.parts.raft as RaftPart | undefined;
          if (!raft) return;
          // hanode's /v1/kv routes over the server's shared assembly (what the daemon serves).
          apiServerOf(app, () => ctx.env(API_SERVICE), raft.core);
        } else if (clients.has(ctx.id)) {
          // Client i calls servers[i mod n] first (its local agent), as KvWorkload.install spreads them.
          const i = cfg.clients.indexOf(ctx.id);
          const rotated = servers.map((_, j) => servers[(i + j) % servers.length]!);
          app.parts.kvClient = apiClientOf(app, () => ctx.env(API_SERVICE), { servers: rotated, timeoutUs: cfg.timeoutUs, readFlag: cfg.reads === 'default' ? '' : cfg.reads, sticky: cfg.sticky });
        }
      },
      attach() {
        workload.start();
      },
      end() {
        // Operations still open when the run ends have an unknown outcome.
        workload.finish();
      },
      history() {
        return workload.history.events();
      },
      availability() {
        return { ok: workload.stats.answered, total: workload.stats.completed };
      },
      evaluate(exp) {
        const events = workload.history.events();
        const { answered, completed } = workload.stats;
        if (exp.kind === 'linearizable') {
          if (events.length === 0) return vacuous(exp, 'no client operation ran: nothing to check');
          const r = checkLinearizability(events);
          const text = describeLinearizability(r).split('\n').slice(0, 12).join(' | ');
          if (r.valid === 'unknown') return unavailable(exp, `the checker hit its search bounds: ${text}`);
          return verdict(exp, r.valid, text);
        }
        if (exp.kind === 'availability') {
          const min = exp.params as number;
          if (completed === 0) return vacuous(exp, 'no client operation completed');
          const ratio = answered / completed;
          return verdict(exp, ratio >= min, `${(ratio * 100).toFixed(2)}% answered (${answered} of ${completed} completed operations; timeouts and errors count against)`);
        }
        return verdict(exp, false, `the kv module does not know "${exp.kind}"`);
      },
    };
  },
};
