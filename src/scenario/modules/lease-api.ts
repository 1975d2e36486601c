/**
 * The lease workload through hanode's API (`leases.via: api`, the default). hanode serves no
 * etcd-style lease over HTTP; what a Consul-compatible agent offers for "a key that lives while
 * its owner does" is a TTL session with Behavior=delete holding the key (Consul's ephemeral-key
 * pattern, the way service registrations are tied to a live client). So each client registers
 * itself (`PUT /v1/catalog/register`), creates a session (`PUT /v1/session/create` with TTL,
 * Behavior delete, LockDelay 0), takes `svc/<node>` with it (`PUT /v1/kv/svc/<node>?acquire=`),
 * and renews it every keepalive (`PUT /v1/session/renew/<id>`); a renewal answered 404 (the
 * session was invalidated) starts over with a new session. Requests are in --history
 * (./api-calls.ts).
 *
 * The expiry rule judged (src/core/coord/session-driver.ts, Consul's session_ttl.go): the leader
 * invalidates a session SESSION_TTL_MULTIPLIER x TTL after the last renewal it received, and a
 * new leader restarts every timer from full. So an expiry is early before multiplier x TTL
 * after the last successful renewal was SENT, and late past multiplier x TTL + T after the later
 * of that send and the last leader election before the expiry.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { SESSION_TTL_MULTIPLIER } from '../../core/coord/config.ts';
import type { WorldPort } from '../world-port.ts';
import type { ApiCalls } from './api-calls.ts';

export interface ApiLeaseLife {
  /** The session id. */
  readonly id: string;
  /** The session's Raft index (its id carries it). */
  readonly index: number;
  readonly client: NodeId;
  readonly grantedUs: Micros;
  lastKeepaliveSentUs: Micros;
  expiredUs?: Micros;
}

export { SESSION_TTL_MULTIPLIER };

/** Retry pause after a failed setup step (register, session, key). */
const RETRY_US = 500_000;

/** The Raft index a session id carries (src/core/coord/ids.ts sessionIdFromIndex), or 0. */
export function sessionIndexOf(id: string): number {
  const m = /^5e55104d-0000-4000-8000-([0-9a-f]{12})$/.exec(id);
  return m ? parseInt(m[1]!, 16) : 0;
}

export interface ApiLeaseClientOptions {
  readonly ttlUs: Micros;
  readonly keepaliveUs: Micros;
  readonly endUs: Micros;
  /** A new session (lease) was created. */
  granted(l: ApiLeaseLife): void;
}

/** Runs one client node's session-backed lease through the API until the end of the run. */
export function runApiLeaseClient(world: WorldPort, api: ApiCalls, node: NodeId, opts: ApiLeaseClientOptions): void {
  let lease: ApiLeaseLife | undefined;
  let registered = false;
  const grant = () => {
    if (world.now() >= opts.endUs) return;
    if (!registered) {
      const body = JSON.stringify({ Node: node, Address: node, Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' } });
      api.send(node, 'lease', { f: 'register', key: node, method: 'PUT', path: 'catalog/register', body }, (a) => {
        if (a?.status === 200) registered = true;
        world.after(a?.status === 200 ? 0 : RETRY_US, grant);
      });
      return;
    }
    const sent = world.now();
    const body = JSON.stringify({ Node: node, TTL: `${opts.ttlUs}us`, Behavior: 'delete', LockDelay: '0s' });
    api.send(node, 'lease', { f: 'session-create', key: node, method: 'PUT', path: 'session/create', body }, (a) => {
      const id = a?.status === 200 ? (a.json as { ID?: unknown } | undefined)?.ID : undefined;
      if (typeof id !== 'string' || sessionIndexOf(id) === 0) return void world.after(RETRY_US, grant);
      const l: ApiLeaseLife = { id, index: sessionIndexOf(id), client: node, grantedUs: world.now(), lastKeepaliveSentUs: sent };
      lease = l;
      opts.granted(l);
      const key = `svc/${node}`;
      api.send(node, 'lease', { f: 'acquire', key, method: 'PUT', path: `kv/${key}`, query: `acquire=${encodeURIComponent(id)}`, body: node }, () => {});
      world.after(opts.keepaliveUs, keepalive);
    });
  };
  const keepalive = () => {
    if (world.now() >= opts.endUs || !lease) return;
    const l = lease;
    const sent = world.now();
    api.send(node, 'renew', { f: 'session-renew', key: l.id, method: 'PUT', path: `session/renew/${l.id}` }, (a) => {
      if (lease !== l) return;
      if (a?.status === 200) l.lastKeepaliveSentUs = Math.max(l.lastKeepaliveSentUs, sent);
      else if (a?.status === 404) {
        // Invalidated (we were cut off): a new session, as a client re-registers.
        lease = undefined;
        return void world.after(0, grant);
      }
    });
    world.after(opts.keepaliveUs, keepalive);
  };
  world.after(world.rng(`leases/${node}`).int(opts.keepaliveUs) + 1, grant);
}
