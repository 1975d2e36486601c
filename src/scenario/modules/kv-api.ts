/**
 * The daemon's KV API in the simulator's loop (issue 14, point 2): simulated clients send
 * Consul-style `/v1/kv/<key>` requests as messages to a server, which runs hanode's own KV
 * route logic in-process (src/hanode/routes/kv.ts planKv: the same parsing, commands and
 * answers) over its ServerCore, and forwards to the leader when it is not the leader, as
 * hanode's HTTP server forwards (marking the request with the receiving agent, never
 * forwarding twice). Read modes as in hanode: `?stale` local, default within the leader's
 * lease, `?consistent` after a quorum round (docs/consistency.md).
 *
 * The client side maps the KV workload's operations onto that API: read → GET, write → PUT,
 * delete → DELETE, cas [expected, new] → PUT ?cas=<ModifyIndex>: values are unique, so the
 * entry holding `expected` is the one with the ModifyIndex this client last read with it;
 * cas with `null` → ?cas=0 (only if absent). A cas whose expected value this client never read
 * with its index cannot be expressed and fails without being sent.
 */
import { assert, type Env, type Micros, type NodeId, type Timer } from '../../core/env.ts';
import type { KvOutcome } from '../../core/kvclient/index.ts';
import type { ServerCore } from '../../core/node/index.ts';
import type { WorkloadKvClient } from '../../sim/workload/index.ts';
import { HttpError, noLeader } from '../../hanode/http/errors.ts';
import { Query } from '../../hanode/http/query.ts';
import { FORWARDED, type ApiReply, type ApiRequest } from '../../hanode/http/types.ts';
import { planKv, type KvPlan } from '../../hanode/routes/kv.ts';
import { planSessionCreate, planSessionDestroy, renewAnswer } from '../../hanode/routes/session.ts';
import { planCatalogRegister } from '../../hanode/routes/catalog.ts';
import { queryOptions } from '../../hanode/http/query.ts';
import { sessionJson } from '../../hanode/shapes.ts';

/** The service the API messages travel on. */
export const API_SERVICE = 'http';
/** Bound on requests a server forwards and waits on at once (ours: a node never queues unboundedly). */
const MAX_FORWARDED = 4096;
/** A forwarded request nobody answered is forgotten after this (hanode bounds a forward at 11 min; the clients give up far sooner). */
const FORWARD_FORGET_US = 60_000_000;
/** Bound on a key or value carried in a simulated request (Consul's 512 KiB value limit). */
const MAX_FIELD_CHARS = 512 * 1024;

interface ApiReq {
  readonly type: 'api.req';
  readonly id: number;
  readonly method: 'GET' | 'PUT' | 'DELETE';
  /** The path after /v1/, decoded: `kv/<key>`, `session/create`, `session/info/<id>`. */
  readonly path: string;
  readonly query: string;
  readonly body: string;
  /** Set by a server that forwarded it: the agent that received it. */
  readonly fwd?: NodeId;
}
interface ApiResp {
  readonly type: 'api.resp';
  readonly id: number;
  readonly status: number;
  readonly json?: unknown;
  readonly text?: string;
}
type ApiMsg = ApiReq | ApiResp;

function isReq(m: unknown): m is ApiReq {
  const r = m as ApiReq;
  return (
    typeof r === 'object' && r !== null && r.type === 'api.req' && Number.isInteger(r.id) &&
    (r.method === 'GET' || r.method === 'PUT' || r.method === 'DELETE') &&
    typeof r.path === 'string' && r.path.length <= MAX_FIELD_CHARS && typeof r.query === 'string' && r.query.length <= 4096 &&
    typeof r.body === 'string' && r.body.length <= MAX_FIELD_CHARS && (r.fwd === undefined || typeof r.fwd === 'string')
  );
}

function isResp(m: unknown): m is ApiResp {
  const r = m as ApiResp;
  return typeof r === 'object' && r !== null && r.type === 'api.resp' && Number.isInteger(r.id) && Number.isInteger(r.status);
}

/**
 * The one API endpoint of a simulated server (several modules' clients share it): made on
 * first use and kept in app.parts.apiServer.
 */
export function apiServerOf(app: { parts: Record<string, unknown> }, env: () => Env, core: ServerCore): ApiServer {
  const have = app.parts.apiServer as ApiServer | undefined;
  if (have) return have;
  const s = new ApiServer(env(), core);
  app.parts.apiServer = s;
  return s;
}

/** The one API client of a simulated client node (shared by its KV, lock and lease workloads). */
export function apiClientOf(app: { parts: Record<string, unknown> }, env: () => Env, cfg: ApiKvClientConfig): ApiKvClient {
  const have = app.parts.apiClient as ApiKvClient | undefined;
  if (have) return have;
  const c = new ApiKvClient(env(), cfg);
  app.parts.apiClient = c;
  return c;
}

/** A server's API endpoint: hanode's KV routes over its ServerCore, with leader forwarding. */
export class ApiServer {
  /** Requests served here, and forwarded to the leader (hanode's hanode.http.forwarded). */
  readonly stats = { served: 0, forwarded: 0 };
  private nextId = 1;
  private readonly forwarded = new Map<number, { to: NodeId; id: number; timer: Timer }>();

  constructor(
    private readonly env: Env,
    private readonly core: ServerCore,
  ) {
    env.onMessage((from, msg) => this.receive(from, msg));
  }

  private receive(from: NodeId, msg: unknown): void {
    if (isResp(msg)) return this.relay(msg);
    if (!isReq(msg)) return;
    const reply = (r: ApiReply | HttpError) => this.env.send(from, toResp(msg.id, r), { reliable: true });
    const stale = msg.method === 'GET' && new URLSearchParams(msg.query).has('stale');
    const raft = this.core.replicator;
    if (!stale && !raft.isLeader()) {
      // As hanode's HTTP server: forward to the leader once; no leader known → 500.
      const leader = raft.leader();
      if (leader === undefined || msg.fwd !== undefined || this.forwarded.size >= MAX_FORWARDED) return reply(noLeader());
      const id = this.nextId++;
      this.stats.forwarded++;
      const timer = this.env.after(FORWARD_FORGET_US, () => this.forwarded.delete(id));
      this.forwarded.set(id, { to: from, id: msg.id, timer });
      const fwd: ApiReq = { ...msg, id, fwd: this.env.self };
      this.env.send(leader, fwd, { reliable: true });
      return;
    }
    this.serve(msg, reply);
  }

  private relay(resp: ApiResp): void {
    const f = this.forwarded.get(resp.id);
    if (f === undefined) return;
    this.forwarded.delete(resp.id);
    f.timer.cancel();
    const back: ApiResp = { ...resp, id: f.id };
    this.env.send(f.to, back, { reliable: true });
  }

  private serve(msg: ApiReq, reply: (r: ApiReply | HttpError) => void): void {
    this.stats.served++;
    const route = routeOf(msg);
    if (route === undefined) return reply(new HttpError(404, '404 page not found'));
    const req: ApiRequest = {
      method: msg.method,
      path: `/v1/${msg.path}`,
      rest: route.rest,
      query: new Query(new URLSearchParams(msg.query)),
      headers: msg.fwd !== undefined ? { [FORWARDED]: msg.fwd } : {},
      body: Buffer.from(msg.body, 'latin1'),
    };
    const guard = (fn: () => ApiReply) => {
      try {
        reply(fn());
      } catch (err) {
        if (err instanceof HttpError) reply(err);
        else throw err;
      }
    };
    let plan: ApiPlan;
    try {
      plan = route.plan(req, this.env.self);
    } catch (err) {
      if (err instanceof HttpError) return reply(err);
      throw err;
    }
    if (plan.kind === 'renew') {
      // As hanode's NodeBackend.renewSession: the leader's SessionDriver re-arms the TTL.
      const id = plan.id;
      this.core.coord.sessions.renew(id, (r) => guard(() => renewAnswer(id, r.ok ? r.value : r.error === 'not-found' ? 'not-found' : 'not-leader')));
      return;
    }
    if (plan.kind === 'write') {
      const p = plan;
      this.core.coord.proposer.propose(p.cmd, (r) => {
        if (r.ok) guard(() => p.answer(r.result));
        else if (r.error === 'not-leader') reply(noLeader());
        else reply(new HttpError(500, r.error === 'unknown-outcome' ? 'leadership lost while committing log' : r.reason));
      });
      return;
    }
    const p = plan;
    const answer = () => {
      const parked = this.core.coord.hub.wait('kv', p.opts.minIndex, p.opts.waitUs, (index) => guard(() => p.answer(this.core.store, index)));
      if (!parked) reply(new HttpError(429, 'Too many blocking queries'));
    };
    if (p.opts.consistency === 'stale') return answer();
    this.core.replicator.readBarrier((b) => (b.ok ? answer() : reply(noLeader())), p.opts.consistency === 'default' ? { lease: true } : undefined);
  }
}

/** What one in-process request does: a KV-style read or write, or a session renewal on the leader. */
type ApiPlan = KvPlan | { readonly kind: 'renew'; readonly id: string };

/**
 * The routes served in-process: hanode's KV routes, catalog register, session create / renew /
 * destroy / info (the ones the KV, lock and lease workloads speak).
 */
function routeOf(msg: ApiReq): { rest: string; plan: (req: ApiRequest, agent: NodeId) => ApiPlan } | undefined {
  if (msg.path.startsWith('kv/')) return { rest: msg.path.slice(3), plan: (req) => planKv(req) };
  if (msg.path === 'session/create' && msg.method === 'PUT') return { rest: '', plan: (req, agent) => ({ kind: 'write', ...planSessionCreate(req, agent) }) };
  if (msg.path === 'catalog/register' && msg.method === 'PUT') return { rest: '', plan: (req) => ({ kind: 'write', ...planCatalogRegister(req) }) };
  if (msg.path.startsWith('session/destroy/') && msg.method === 'PUT') {
    return { rest: msg.path.slice('session/destroy/'.length), plan: (req) => ({ kind: 'write', ...planSessionDestroy(req) }) };
  }
  if (msg.path.startsWith('session/renew/') && msg.method === 'PUT') {
    const id = msg.path.slice('session/renew/'.length);
    return {
      rest: id,
      plan: () => {
        if (id === '') throw new HttpError(400, 'Missing session');
        return { kind: 'renew', id };
      },
    };
  }
  if (msg.path.startsWith('session/info/') && msg.method === 'GET') {
    const id = msg.path.slice('session/info/'.length);
    return {
      rest: id,
      plan: (req) => ({
        kind: 'read',
        opts: queryOptions(req.query),
        answer: (store, index) => {
          const s = store.sessions.get(id);
          return { json: s ? [sessionJson(s)] : [], index };
        },
      }),
    };
  }
  return undefined;
}

function toResp(id: number, r: ApiReply | HttpError): ApiResp {
  if (r instanceof HttpError) return { type: 'api.resp', id, status: r.status, text: r.message };
  return { type: 'api.resp', id, status: r.status ?? 200, ...(r.json !== undefined ? { json: r.json } : {}) };
}

export interface ApiKvClientConfig {
  /** Servers to call, the first one first (the client's local agent); the next one after a timeout. */
  readonly servers: readonly NodeId[];
  readonly timeoutUs: Micros;
  /** '' (default mode), 'consistent' or 'stale': the query flag of every read. */
  readonly readFlag: '' | 'consistent' | 'stale';
  /**
   * Sticky (issue 16): never move to another server, whatever happens: an application bound to
   * its local agent, which keeps asking a frozen or cut-off old leader that clients still reach.
   */
  readonly sticky?: boolean;
}

/** A key as the API's GET reports it: the value and Consul's indexes (no flags, session or lock index). */
export interface ApiKvEntry {
  readonly key: string;
  readonly value: string;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** The KV workload's client (get / put / cas / delete with Jepsen outcomes) over the API. */
export class ApiKvClient implements WorkloadKvClient {
  private nextId = 1;
  private server = 0;
  private readonly pending = new Map<number, { done: (r: ApiResp | undefined) => void; timer: Timer }>();
  /** key → the ModifyIndex this client last read for each value it saw there (values are unique). */
  private readonly indexOf = new Map<string, Map<string, number>>();

  constructor(
    private readonly env: Env,
    private readonly cfg: ApiKvClientConfig,
  ) {
    assert(cfg.servers.length > 0, 'an API client needs servers');
    env.onMessage((_from, msg) => {
      if (!isResp(msg)) return;
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.pending.delete(msg.id);
      p.timer.cancel();
      p.done(msg);
    });
  }

  get(key: string, done: (o: KvOutcome<ApiKvEntry | null>) => void): void {
    this.call('GET', `kv/${key}`, this.cfg.readFlag, '', (r) => {
      if (r?.status === 404) return done({ type: 'ok', result: null });
      const e = r?.status === 200 && Array.isArray(r.json) ? (r.json[0] as { Value?: string | null; ModifyIndex?: number; CreateIndex?: number }) : undefined;
      if (e === undefined) return done({ type: 'fail', error: r ? `${r.status} ${r.text ?? ''}` : 'timeout' });
      const value = e.Value === null || e.Value === undefined ? '' : Buffer.from(e.Value, 'base64').toString('latin1');
      this.remember(key, value, Number(e.ModifyIndex));
      done({ type: 'ok', result: { key, value, createIndex: Number(e.CreateIndex), modifyIndex: Number(e.ModifyIndex) } });
    });
  }

  put(key: string, value: string, done: (o: KvOutcome<null>) => void): void {
    this.call('PUT', `kv/${key}`, '', value, (r) => done(writeOutcome(r)));
  }

  delete(key: string, done: (o: KvOutcome<null>) => void): void {
    this.call('DELETE', `kv/${key}`, '', '', (r) => done(writeOutcome(r)));
  }

  cas(key: string, expect: { value: string | null }, value: string, done: (o: KvOutcome<null>) => void): void {
    const index = expect.value === null ? 0 : this.indexOf.get(key)?.get(expect.value);
    if (index === undefined) return done({ type: 'fail', error: 'cas-index-unknown' });
    this.call('PUT', `kv/${key}`, `cas=${index}`, value, (r) => {
      if (r?.status === 200 && r.json === false) return done({ type: 'fail', error: 'cas-mismatch' });
      done(writeOutcome(r));
    });
  }

  /** One raw API request to a path after /v1/ (tests, workloads beyond the register model): undefined = no answer in time. */
  request(method: ApiReq['method'], path: string, query: string, body: string, done: (r: { status: number; json?: unknown; text?: string } | undefined) => void, timeoutUs?: Micros): void {
    this.call(method, path, query, body, done, timeoutUs);
  }

  private remember(key: string, value: string, index: number): void {
    if (!Number.isInteger(index) || index <= 0) return;
    let m = this.indexOf.get(key);
    if (m === undefined) this.indexOf.set(key, (m = new Map()));
    m.set(value, index);
    // Bound: only recent values matter (the workload's cas expects the last value it saw).
    if (m.size > 64) m.delete(m.keys().next().value!);
  }

  private call(method: ApiReq['method'], path: string, query: string, body: string, done: (r: ApiResp | undefined) => void, timeoutUs = this.cfg.timeoutUs): void {
    const id = this.nextId++;
    const to = this.cfg.servers[this.server % this.cfg.servers.length]!;
    const timer = this.env.after(timeoutUs, () => {
      if (!this.pending.delete(id)) return;
      // No answer: try the next server for the next request (a client with several agent addresses),
      // unless sticky.
      if (this.cfg.sticky !== true) this.server++;
      done(undefined);
    });
    this.pending.set(id, { done, timer });
    const req: ApiReq = { type: 'api.req', id, method, path, query, body };
    this.env.send(to, req, { reliable: true });
  }
}

/**
 * A write's Jepsen outcome from the API's answer (Consul's PUT/DELETE answer carries no
 * revision, so an ok has no result): 200 → ok; 500 "No cluster leader" → fail (it
 * was refused before any proposal: by a server that knew no leader, or by the leader's own
 * not-leader); 4xx → fail; any other 5xx or no answer → info (it may have committed).
 */
function writeOutcome(r: ApiResp | undefined): KvOutcome<null> {
  if (r === undefined) return { type: 'info', error: 'timeout' };
  if (r.status === 200) return { type: 'ok', result: null };
  if ((r.status === 500 && r.text === 'No cluster leader') || (r.status >= 400 && r.status < 500)) return { type: 'fail', error: `${r.status} ${r.text ?? ''}` };
  return { type: 'info', error: `${r.status} ${r.text ?? ''}` };
}

