/**
 * /v1/lease/* — etcd-style leases (src/core/coord/leases.ts, lease-driver.ts) over HTTP, in
 * Consul's path style: hanode's lease service had no HTTP face, so a real run (src/real-run)
 * could not drive a `leases:` scenario. The verbs are etcd's (LeaseGrant, LeaseKeepAlive,
 * LeaseRevoke, Put with a lease, LeaseTimeToLive):
 *   PUT /v1/lease/grant          {"TTL": "5s", "Name": "svc-a"}  → {"ID", "TTL"}
 *   PUT /v1/lease/keepalive/:id  → {"ID", "TTL"}; 404 when the lease is gone
 *   PUT /v1/lease/revoke/:id     → true
 *   PUT /v1/lease/put/:key?lease=:id  (body: the value) → true
 *   GET /v1/lease/info/:id       → [{"ID", "Name", "TTL", "GrantIndex"}] or [] (read modes as KV)
 * Writes go to the leader; keep-alive needs a leader that confirmed its leadership (etcd's
 * LeaseRenew does the same), so a deposed leader cannot extend a lease.
 */
import { badRequest, HttpError } from '../http/errors.ts';
import { queryOptions } from '../http/query.ts';
import { blockOn } from '../http/blocking.ts';
import { parseGoDuration } from '../http/duration.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { commit, isObject, jsonBody, okResult, readMode, type RouteContext } from './context.ts';

const goSeconds = (us: number) => `${us / 1_000_000}s`;

export function leaseRoutes(ctx: RouteContext): Route[] {
  return [
    { path: '/v1/lease/grant', methods: { PUT: { handler: (r) => grant(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/lease/keepalive/', prefix: true, methods: { PUT: { handler: (r) => keepalive(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/lease/revoke/', prefix: true, methods: { PUT: { handler: (r) => revoke(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/lease/put/', prefix: true, methods: { PUT: { handler: (r) => put(ctx, r), placement: 'leader', write: true } } },
    {
      path: '/v1/lease/info/',
      prefix: true,
      methods: {
        GET: {
          placement: 'read',
          handler: async (req: ApiRequest): Promise<ApiReply> => {
            const opts = queryOptions(req.query);
            await readMode(ctx, opts);
            const index = await blockOn(ctx.hub, 'leases', opts);
            const l = ctx.backend.store.leases.get(req.rest);
            return { json: l ? [{ ID: l.id, Name: l.name, TTL: goSeconds(l.ttlUs), GrantIndex: l.grantIndex }] : [], index };
          },
        },
      },
    },
  ];
}

async function grant(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const body = jsonBody(req.body);
  if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
  const ttlUs = typeof body.TTL === 'string' ? parseGoDuration(body.TTL) : undefined;
  if (ttlUs === undefined || ttlUs <= 0) throw badRequest('Must give a TTL (a Go duration such as "5s")');
  const name = typeof body.Name === 'string' ? body.Name : undefined;
  const { result } = await commit(ctx, { type: 'lease.grant', ttlUs, ...(name !== undefined ? { name } : {}) });
  const r = okResult(result);
  if (r.type !== 'lease.grant') throw new HttpError(500, 'unexpected result');
  return { json: { ID: r.lease.id, TTL: goSeconds(r.lease.ttlUs) } };
}

async function keepalive(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  if (req.rest === '') throw badRequest('Missing lease');
  if (!ctx.backend.keepAliveLease) throw new HttpError(501, 'leases are not served by this agent');
  const r = await ctx.backend.keepAliveLease(req.rest);
  if (r === 'not-found') throw new HttpError(404, `lease ${req.rest} not found`);
  if (r === 'not-leader') throw new HttpError(500, 'No cluster leader');
  return { json: { ID: req.rest, TTL: goSeconds(r.ttlUs) } };
}

async function revoke(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  if (req.rest === '') throw badRequest('Missing lease');
  await commit(ctx, { type: 'lease.revoke', id: req.rest });
  return { json: true };
}

async function put(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const lease = req.query.get('lease');
  if (req.rest === '') throw badRequest('Missing key name');
  if (lease === undefined || lease === '') throw badRequest('Missing ?lease');
  const { result } = await commit(ctx, { type: 'lease.put', key: req.rest, value: req.body.toString('utf8'), lease });
  okResult(result);
  return { json: true };
}
