/**
 * The scenario's `leases:` clients against real agents, as the simulated clients act:
 *  - `via: api` (the default; src/scenario/modules/lease-api.ts): register in the catalog, create
 *    a TTL session with Behavior delete (PUT /v1/session/create), take `svc/<node>` with it
 *    (PUT /v1/kv/svc/<node>?acquire=ID), renew it every `keepalive`
 *    (PUT /v1/session/renew/ID; 404 = invalidated: a new session);
 *  - `via: coord-rpc` (src/scenario/modules/leases.ts, hanode's src/hanode/routes/lease.ts): grant
 *    a lease with the TTL (PUT /v1/lease/grant), attach `svc/<node>` to it
 *    (PUT /v1/lease/put/svc/<node>?lease=ID), keep it alive every `keepalive`
 *    (PUT /v1/lease/keepalive/ID; 404 = expired: grant again).
 * Expiries are observed from outside: every EXPIRY_POLL_MS each live lease is looked up with a
 * consistent read (GET /v1/session/info/ID or /v1/lease/info/ID); the first answer without it
 * is the expiry time. That is
 * late by at most one poll plus one request (the simulator reads the exact apply time from the
 * leader's trace), so an expiry EARLY by less than that would be missed; a late one is not.
 * Judged by the same judge as in the simulator (src/scenario/modules/lease-judge.ts).
 */
import type { NodeId } from '../core/env.ts';
import type { LeasesModuleConfig } from '../scenario/modules/leases.ts';
import type { LeaseLife } from '../scenario/modules/lease-judge.ts';
import type { HistoryRecorder } from '../sim/history.ts';
import { RecordedCalls } from './recorded-calls.ts';
import { sleep } from '../hanode/launcher.ts';
import { randomStream } from '../host/random.ts';
import type { ClientNodes } from './client-nodes.ts';
import { httpCall } from './http-call.ts';
import { json200, RealApiClient } from './api-client.ts';
import { sessionIndexOf } from '../scenario/modules/lease-api.ts';

/** Retry pause after a failed grant: as the simulated client's RETRY_US. */
const RETRY_MS = 500;
/** A request's bound: the simulated RPC client gives up after 4 attempts x 1 s (coord-client.ts). */
const REQUEST_TIMEOUT_MS = 4_000;
/** How often live leases are looked up (see the file comment for what it costs in precision). */
export const EXPIRY_POLL_MS = 100;
/** Process numbers of lease clients in the history start here. */
export const LEASE_PROCESS_BASE = 200_000;

export interface RealLeaseOptions {
  readonly cfg: LeasesModuleConfig;
  readonly servers: readonly string[];
  readonly clients: ClientNodes | undefined;
  readonly seed: number;
  readonly t0: number;
  readonly log?: (line: string) => void;
}

export class RealLeaseWorkload {
  readonly lives: LeaseLife[] = [];
  private readonly calls: RecordedCalls;
  private readonly live = new Map<string, LeaseLife>();
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly o: RealLeaseOptions) {
    this.calls = new RecordedCalls(o.t0, LEASE_PROCESS_BASE);
  }

  get history(): HistoryRecorder {
    return this.calls.history;
  }

  start(): void {
    for (const c of this.o.cfg.clients) this.loops.push(this.client(c));
    this.loops.push(this.pollExpiries());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await this.calls.settle();
  }

  /**
   * One client: (register, for a session) → grant → attach `svc/<node>` → renew every keepalive
   * whatever the answers (as the simulated client does); a renewal answered 404 (expired or
   * invalidated: we were cut off) starts over with a new grant. `via` picks the calls.
   */
  private async client(node: NodeId): Promise<void> {
    const cfg = this.o.cfg;
    const session = cfg.via === 'api';
    const r = randomStream(this.o.seed, `real-leases/${node}`);
    const api = new RealApiClient(node, this.o.servers, this.o.clients, r, REQUEST_TIMEOUT_MS);
    let lease: LeaseLife | undefined;
    let registered = !session; // an etcd-style lease needs no catalog entry
    await sleep((r.int(cfg.keepaliveUs) + 1) / 1000);
    for (let i = 0; i < 1_000_000 && !this.stopping; i++) {
      if (!api.isUp()) {
        await sleep(cfg.keepaliveUs / 1000);
        continue;
      }
      if (!registered) {
        const body = JSON.stringify({ Node: node, Address: node, Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' } });
        const a = await this.calls.call(api, 'register', node, 'PUT', '/v1/catalog/register', body);
        registered = typeof a !== 'string' && a.status === 200;
        if (!registered) await sleep(RETRY_MS);
        continue;
      }
      if (!lease) {
        const sent = this.calls.now();
        const answer = session
          ? await this.calls.call(api, 'session-create', node, 'PUT', '/v1/session/create', JSON.stringify({ Node: node, TTL: `${cfg.ttlUs}us`, Behavior: 'delete', LockDelay: '0s' }))
          : await this.calls.call(api, 'lease-grant', node, 'PUT', '/v1/lease/grant', JSON.stringify({ TTL: `${cfg.ttlUs / 1000}ms`, Name: node }));
        const id = (json200(answer) as { ID?: unknown } | undefined)?.ID;
        // A session's id carries its Raft index (the judge's "index"); an unparsable one is refused.
        const index = session && typeof id === 'string' ? sessionIndexOf(id) : undefined;
        if (typeof id !== 'string' || id === '' || index === 0) {
          await sleep(RETRY_MS);
          continue;
        }
        const l: LeaseLife = { id, ...(index !== undefined ? { index } : {}), client: node, grantedUs: this.calls.now(), lastKeepaliveSentUs: sent };
        lease = l;
        this.lives.push(l);
        this.live.set(l.id, l);
        const key = `svc/${node}`;
        const q = encodeURIComponent(l.id);
        this.calls.background(session ? this.calls.call(api, 'acquire', key, 'PUT', `/v1/kv/${key}?acquire=${q}`, node) : this.calls.call(api, 'lease-put', key, 'PUT', `/v1/lease/put/${key}?lease=${q}`, node));
        await sleep(cfg.keepaliveUs / 1000);
        continue;
      }
      const l = lease;
      const sent = this.calls.now();
      const renewal = session ? this.calls.call(api, 'session-renew', l.id, 'PUT', `/v1/session/renew/${l.id}`) : this.calls.call(api, 'lease-keepalive', l.id, 'PUT', `/v1/lease/keepalive/${l.id}`);
      this.calls.background(
        renewal.then((a) => {
          if (lease !== l) return;
          if (typeof a !== 'string' && a.status === 200) l.lastKeepaliveSentUs = Math.max(l.lastKeepaliveSentUs, sent);
          else if (typeof a !== 'string' && a.status === 404) lease = undefined;
        }),
      );
      await sleep(cfg.keepaliveUs / 1000);
    }
  }

  /** Looks up every live lease each EXPIRY_POLL_MS; one gone from a consistent read has expired. */
  private async pollExpiries(): Promise<void> {
    let server = 0;
    for (let i = 0; i < 10_000_000 && !this.stopping; i++) {
      await sleep(EXPIRY_POLL_MS);
      for (const [id, l] of [...this.live]) {
        const what = this.o.cfg.via === 'api' ? 'session' : 'lease';
        const a = await httpCall('GET', `http://${this.o.servers[server]}/v1/${what}/info/${encodeURIComponent(id)}?consistent`, { timeoutMs: 1000 });
        const list = json200(a);
        if (!Array.isArray(list)) {
          server = (server + 1) % this.o.servers.length; // no leader there (or down): ask another agent
          continue;
        }
        if (list.length === 0) {
          l.expiredUs = this.calls.now();
          this.live.delete(id);
          this.o.log?.(`${(l.expiredUs / 1e6).toFixed(1)}s lease of ${l.client} expired (last keep-alive sent at ${(l.lastKeepaliveSentUs / 1e6).toFixed(1)}s)`);
        }
      }
    }
  }
}
