/**
 * /v1/session/* — Consul sessions: create (TTL, LockDelay, Behavior, NodeChecks), destroy,
 * renew (the leader's SessionDriver re-arms the TTL), info, list, node.
 */
import { SERF_HEALTH_CHECK } from '../../core/coord/config.ts';
import type { SessionCreateInput, SessionRecord } from '../../core/coord/sessions.ts';
import type { StoreCommandBody, StoreResult } from '../../core/store/index.ts';
import { parseGoDuration } from '../http/duration.ts';
import { badRequest, HttpError } from '../http/errors.ts';
import { queryOptions } from '../http/query.ts';
import { blockOn } from '../http/blocking.ts';
import { FORWARDED, type ApiReply, type ApiRequest, type Route } from '../http/types.ts';

/** Bound on a node name taken from a header (Consul's node names are DNS labels, well under this). */
const MAX_NODE_NAME = 256;
import { sessionJson } from '../shapes.ts';
import { commit, isObject, jsonBody, readMode, type RouteContext } from './context.ts';

export function sessionRoutes(ctx: RouteContext): Route[] {
  const read = (fn: (req: ApiRequest, index: number) => ApiReply) => ({
    handler: async (req: ApiRequest) => {
      const opts = queryOptions(req.query);
      await readMode(ctx, opts);
      return fn(req, await blockOn(ctx.hub, 'sessions', opts));
    },
    placement: 'read' as const,
  });
  const sessions = () => ctx.backend.store.sessions;
  return [
    { path: '/v1/session/create', methods: { PUT: { handler: (r) => create(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/session/destroy/', prefix: true, methods: { PUT: { handler: (r) => destroy(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/session/renew/', prefix: true, methods: { PUT: { handler: (r) => renew(ctx, r), placement: 'leader', write: true } } },
    {
      path: '/v1/session/info/',
      prefix: true,
      methods: {
        GET: read((req, index) => {
          const s = sessions().get(req.rest);
          return { json: s ? [sessionJson(s)] : [], index };
        }),
      },
    },
    { path: '/v1/session/list', methods: { GET: read((_req, index) => ({ json: sessions().list().map(sessionJson), index })) } },
    {
      path: '/v1/session/node/',
      prefix: true,
      methods: { GET: read((req, index) => ({ json: sessions().list().filter((s) => s.node === req.rest).map(sessionJson), index })) },
    },
  ];
}

/** The agent that forwarded this request to us, when one did (a non-empty node name). */
function receivingAgent(req: ApiRequest): string | undefined {
  const h = req.headers[FORWARDED];
  return typeof h === 'string' && h !== '' && h.length <= MAX_NODE_NAME ? h : undefined;
}

function duration(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return Math.round(v / 1000); // a Go Duration in JSON: nanoseconds
  if (typeof v !== 'string') throw badRequest(`Invalid ${what}`);
  const us = parseGoDuration(v);
  if (us === undefined) throw badRequest(`Invalid ${what}: ${JSON.stringify(v)}`);
  return us;
}

async function create(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const plan = planSessionCreate(req, ctx.backend.nodeName);
  // The bound is checked again at apply (a refusal, alike on every replica); here it spares a log entry.
  const full = ctx.backend.store.sessions.fullError();
  if (full !== null) throw badRequest(full);
  const { result } = await commit(ctx, plan.cmd);
  return plan.answer(result);
}

/**
 * PUT /v1/session/create as a plan (the command to commit, then the answer from its result),
 * so the simulator runs the same logic in-process; `agent` is the node that runs this handler.
 */
export function planSessionCreate(req: ApiRequest, agent: string): { cmd: StoreCommandBody; answer(result: StoreResult): ApiReply } {
  const body = jsonBody(req.body, true) ?? {};
  if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
  // Consul binds a session to the agent that received the request: when a follower forwarded
  // it here, that follower (named in the forwarding header), not this leader.
  const node = typeof body.Node === 'string' && body.Node !== '' ? body.Node : receivingAgent(req) ?? agent;
  const checksRaw = body.NodeChecks ?? body.Checks;
  let checks: string[] | undefined;
  if (checksRaw !== undefined && checksRaw !== null) {
    if (!Array.isArray(checksRaw) || !checksRaw.every((c) => typeof c === 'string')) throw badRequest('Invalid NodeChecks');
    checks = checksRaw as string[];
  }
  const behavior = body.Behavior === undefined || body.Behavior === '' ? undefined : body.Behavior;
  if (behavior !== undefined && behavior !== 'release' && behavior !== 'delete') throw badRequest(`Invalid Behavior setting '${String(behavior)}'`);
  const ttlUs = duration(body.TTL, 'TTL');
  const lockDelayUs = duration(body.LockDelay, 'LockDelay');
  const input: SessionCreateInput = {
    node,
    ...(typeof body.Name === 'string' ? { name: body.Name } : {}),
    checks: checks ?? [SERF_HEALTH_CHECK],
    ...(behavior !== undefined ? { behavior } : {}),
    ...(ttlUs !== undefined ? { ttlUs } : {}),
    ...(lockDelayUs !== undefined ? { lockDelayUs } : {}),
  };
  return {
    cmd: { type: 'session.create', input },
    answer: (result) => {
      if (result.type !== 'session.create' || !result.ok) throw badRequest('error' in result ? result.error : 'session create failed');
      return { json: { ID: result.session.id } };
    },
  };
}

async function destroy(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const plan = planSessionDestroy(req);
  await commit(ctx, plan.cmd);
  return plan.answer();
}

/** PUT /v1/session/destroy/<id> as a plan (the simulator runs it in-process). */
export function planSessionDestroy(req: ApiRequest): { cmd: StoreCommandBody; answer(): ApiReply } {
  if (req.rest === '') throw badRequest('Missing session');
  return { cmd: { type: 'session.destroy', id: req.rest }, answer: () => ({ json: true }) };
}

async function renew(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  if (req.rest === '') throw badRequest('Missing session');
  return renewAnswer(req.rest, await ctx.backend.renewSession(req.rest));
}

/** PUT /v1/session/renew/<id>'s answer from the leader's renewal (shared with the simulator's in-process API). */
export function renewAnswer(id: string, r: SessionRecord | 'not-found' | 'not-leader'): ApiReply {
  if (r === 'not-found') throw new HttpError(404, `Session id '${id}' not found`);
  if (r === 'not-leader') throw new HttpError(500, 'No cluster leader');
  return { json: [sessionJson(r)], index: r.modifyIndex };
}
