/**
 * `leases:` — etcd-style leases (src/core/coord): each client node grants a lease with a
 * TTL, attaches a key to it (`svc/<node>`, service discovery in the raftd design), and
 * keeps it alive. When a client is cut off or crashes, its keep-alives stop and the leader
 * must expire the lease and delete the key.
 *
 * lease-expires-within T judges every lease that expired:
 *   - never early: not before TTL after the client SENT its last successful keep-alive (the
 *     leader restarts the countdown when it receives one, which is later);
 *   - in time: within TTL + T after that send (T covers the leader's expiry loop, an
 *     election, and etcd's +1s extension on leader change).
 *
 *   leases:
 *     clients: [c1, c2]
 *     ttl: 5s
 *     keepalive: 1s
 */
import type { NodeId } from '../../core/env.ts';
import type { StoreResult } from '../../core/store/index.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { formatDuration, humanDuration } from '../units.ts';
import { verdict, vacuous } from '../verdict.ts';
import { ApiCalls } from './api-calls.ts';
import { judgeLeaseLives, type LeaseLife } from './lease-judge.ts';

/** A simulated lease: its grant's (or session's) Raft index is always known. */
type SimLeaseLife = LeaseLife & { readonly index: number };
import { callFrom, raftNodesOf, setupCoordClient } from './coord-client.ts';
import { API_SERVICE, apiClientOf, apiServerOf } from './kv-api.ts';
import { runApiLeaseClient, SESSION_TTL_MULTIPLIER } from './lease-api.ts';
import type { RaftPart } from './raft.ts';

export interface LeasesModuleConfig {
  readonly clients: readonly NodeId[];
  readonly ttlUs: number;
  readonly keepaliveUs: number;
  /**
   * `api` (default): TTL sessions holding `svc/<node>` with Behavior delete, through hanode's
   * API (./lease-api.ts: what hanode serves). `coord-rpc`: the store's etcd-style leases over
   * the coordination RPC (src/core/coord LeaseDriver), which hanode does not serve over HTTP;
   * kept for the stress scenarios that judge that driver.
   */
  readonly via: 'api' | 'coord-rpc';
}


/**
 * How often the replicas' lease tables are sampled to see expiries (virtual time). Only a
 * fallback: the exact apply time comes from the leader's `coord.lease.removed` trace event
 * (src/core/coord/node.ts); a poll alone would see an expiry up to this much late and so
 * hide an early one.
 */
const EXPIRY_POLL_US = 50_000;
const RETRY_US = 500_000;
/** First history process number of the lease clients (KV from 0, locks from 1,000,000). */
const LEASES_PROCESS_BASE = 2_000_000;
/** One API request's bound: 4 s, as the lock clients' (./locks.ts: under Consul's 7 s RPC hold timeout). */
const REQUEST_TIMEOUT_US = 4_000_000;

export const leasesModule: ScenarioModule<LeasesModuleConfig> = {
  name: 'leases',
  doc: 'leases with keep-alives; abandoned leases expire in time, kept ones never early',
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['clients', 'ttl', 'keepalive', 'via']);
    const raftNodes = raftNodesOf(ctx.modules);
    const clientsV = v.get('clients').required();
    const clients = ctx.topology.nodesOf(clientsV);
    const clash = clients.find((c) => raftNodes.has(c));
    if (clash) clientsV.fail(`client node "${clash}" also runs Raft; clients need nodes of their own`);
    const viaV = v.get('via');
    const via = viaV.present ? viaV.oneOf(['api', 'coord-rpc'] as const) : 'api';
    const ttlV = v.get('ttl');
    // api: Consul's session TTL minimum, 10 s (session_ttl_min). coord-rpc: 5 s, a scenario
    // choice that keeps stories short yet stays well above an election (etcd refuses TTLs
    // below ~1.5 election timeouts: its minLeaseTTL).
    const ttlUs = ttlV.durationOr(via === 'api' ? 10_000_000 : 5_000_000, 1);
    if (via === 'api' && ttlUs < 10_000_000) ttlV.fail('expected a TTL of at least 10s (Consul session_ttl_min; via: api leases are sessions)');
    // api: Consul's api.Session.RenewPeriodic renews every TTL/2; coord-rpc: etcd's clientv3
    // sends keep-alives every TTL/3 (clientv3/lease.go, "ttl / 3").
    const keepaliveUs = v.get('keepalive').durationOr(Math.floor(via === 'api' ? ttlUs / 2 : ttlUs / 3), 1);
    if (keepaliveUs >= ttlUs) v.get('keepalive').fail('expected a keepalive shorter than the ttl');
    return { clients, ttlUs, keepaliveUs, via };
  },
  expectations: {
    'lease-expires-within': {
      parse: (v) => v.required().duration(1),
      name: (p) => `abandoned leases expire within ${formatDuration(p as number)} of their deadline, and never before it (TTL after the last keep-alive; via api: 2 x TTL, restarted by an election)`,
    },
  },
  instantiate(cfg, run): ModuleInstance {
    const { world, scenario } = run;
    const voters = (scenario.modules.get('raft') as { voters: NodeId[] }).voters;
    const clients = new Set(cfg.clients);
    const lives: SimLeaseLife[] = [];
    const live = new Map<string, SimLeaseLife>();
    const api = new ApiCalls(world, LEASES_PROCESS_BASE, REQUEST_TIMEOUT_US);
    /** Times a leader was elected (a new leader restarts every session timer from full). */
    const elections: number[] = [];

    /**
     * The lease is gone from a replica that has applied past its grant: an expire (or
     * revoke) was committed. Any replica will do (apply follows commit), and a replica that
     * has not yet applied the grant proves nothing, so stale or lagging leaders cannot fake
     * an expiry. The lease id is its grant's Raft index (src/core/coord/ids.ts).
     */
    const goneFromSomeReplica = (l: SimLeaseLife): boolean => {
      for (const n of voters) {
        const a = world.app<{ raft?: RaftPart }>(n);
        if (!a?.raft) continue;
        const store = a.raft.core.store;
        const gone = cfg.via === 'api' ? store.sessions.get(l.id) === undefined : store.leases.get(l.id) === undefined;
        if ((a.raft.node?.appliedIndex() ?? 0) >= l.index && gone) return true;
      }
      return false;
    };

    const client = (node: NodeId) => {
      let lease: SimLeaseLife | undefined;
      const grant = () => {
        if (world.now() >= run.endUs) return;
        const sent = world.now();
        callFrom(world, node, { kind: 'propose', cmd: { type: 'lease.grant', ttlUs: cfg.ttlUs, name: node } }, (res) => {
          const v = res?.ok ? (res.value as StoreResult) : undefined;
          if (!(v && v.type === 'lease.grant' && v.ok)) return void world.after(RETRY_US, grant);
          const l: SimLeaseLife = { id: v.lease.id, index: Number(v.lease.id), client: node, grantedUs: world.now(), lastKeepaliveSentUs: sent };
          lease = l;
          lives.push(l);
          live.set(l.id, l);
          callFrom(world, node, { kind: 'propose', cmd: { type: 'lease.put', key: `svc/${node}`, value: node, lease: l.id } }, () => {});
          world.after(cfg.keepaliveUs, keepalive);
        });
      };
      const keepalive = () => {
        if (world.now() >= run.endUs || !lease) return;
        const l = lease;
        const sent = world.now();
        callFrom(world, node, { kind: 'lease.keepalive', id: l.id }, (res) => {
          if (lease !== l) return;
          if (res?.ok) l.lastKeepaliveSentUs = Math.max(l.lastKeepaliveSentUs, sent);
          else if (res && !res.ok && res.error === 'not-found') {
            // Expired (we were cut off): grant a new one, as an etcd client re-registers.
            lease = undefined;
            return void world.after(0, grant);
          }
        });
        world.after(cfg.keepaliveUs, keepalive);
      };
      world.after(world.rng(`leases/${node}`).int(cfg.keepaliveUs) + 1, grant);
    };

    const expired = (l: LeaseLife, t: number) => {
      l.expiredUs = t;
      live.delete(l.id);
      run.note({ t, node: l.client, category: 'lease', text: `lease of ${l.client} expired (last keep-alive sent at ${humanDuration(l.lastKeepaliveSentUs)})` });
    };

    const poll = () => {
      for (const l of live.values()) if (goneFromSomeReplica(l)) expired(l, world.now());
      if (world.now() + EXPIRY_POLL_US <= run.endUs) world.after(EXPIRY_POLL_US, poll);
    };

    return {
      setupNode(ctx, app) {
        if (cfg.via === 'coord-rpc') {
          if (clients.has(ctx.id)) setupCoordClient(ctx, app, voters);
          return;
        }
        const part = app.parts.raft as RaftPart | undefined;
        if (part && voters.includes(ctx.id)) apiServerOf(app, () => ctx.env(API_SERVICE), part.core);
        else if (clients.has(ctx.id)) {
          // Client i calls servers[i mod n] first (its local agent), the next one after a timeout.
          const i = cfg.clients.indexOf(ctx.id);
          const servers = voters.map((_, j) => voters[(i + j) % voters.length]!);
          apiClientOf(app, () => ctx.env(API_SERVICE), { servers, timeoutUs: REQUEST_TIMEOUT_US, readFlag: '' });
        }
      },
      attach() {
        for (const c of cfg.clients) {
          if (cfg.via === 'coord-rpc') client(c);
          else {
            runApiLeaseClient(world, api, c, {
              ttlUs: cfg.ttlUs,
              keepaliveUs: cfg.keepaliveUs,
              endUs: run.endUs,
              granted: (l) => {
                lives.push(l);
                live.set(l.id, l);
              },
            });
          }
        }
        world.after(EXPIRY_POLL_US, poll);
      },
      end() {
        api.finish();
      },
      history() {
        return api.history.events();
      },
      onTrace(ev) {
        if (ev.kind === 'raft.elected' && ev.svc === 'raft') elections.push(ev.t);
        // The leader traces each lease (session) removal as it applies the entry: the exact
        // moment the expiry took effect (the id is unique: its grant's Raft index).
        const kind = cfg.via === 'api' ? 'coord.session.removed' : 'coord.lease.removed';
        if (ev.kind !== kind || ev.svc !== 'coord') return;
        const l = live.get(String(ev.id));
        if (l) expired(l, ev.t);
      },
      evaluate(exp) {
        return judgeLeaseLives(exp, lives, { via: cfg.via, ttlUs: cfg.ttlUs, keepaliveUs: cfg.keepaliveUs, endUs: run.endUs, elections, isUp: (n) => world.isUp(n) });
      },
    };
  },
};
