/** /v1/catalog/* and /v1/health/* — reads of the replicated catalog, blocking on its index. */
import type { CheckRecord } from '../../core/coord/checks.ts';
import { badRequest } from '../http/errors.ts';
import { queryOptions } from '../http/query.ts';
import { blockOn } from '../http/blocking.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { catalogServiceJson, checkJson, nodeJson, serviceJson } from '../shapes.ts';
import type { CheckInput } from '../../core/coord/checks.ts';
import { commit, isObject, jsonBody, okResult, readMode, type RouteContext } from './context.ts';
import type { ServiceInput } from '../../core/coord/catalog.ts';
import type { StoreCommandBody, StoreResult } from '../../core/store/index.ts';

/** Bound on checks one catalog registration carries (ours). */
const MAX_CATALOG_CHECKS = 32;

function strings(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw badRequest(`Invalid ${what}`);
  return v as string[];
}

function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw badRequest(`Invalid ${what}`);
  return v as Record<string, string>;
}

/** PUT /v1/catalog/register: a node with optional service and status-only checks (Consul's low-level API). */
async function register(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const plan = planCatalogRegister(req);
  const { result } = await commit(ctx, plan.cmd);
  return plan.answer(result);
}

/** PUT /v1/catalog/register as a plan (the command to commit, then the answer), so the simulator runs the same logic in-process. */
export function planCatalogRegister(req: ApiRequest): { cmd: StoreCommandBody; answer(result: StoreResult): ApiReply } {
  const body = jsonBody(req.body);
  if (!isObject(body)) throw badRequest('Request decode failed: expected an object');
  const node = body.Node;
  if (typeof node !== 'string' || node === '') throw badRequest('Must provide node');
  const address = body.Address;
  if (typeof address !== 'string' || address === '') throw badRequest('Must provide address if Service or Check is provided');
  let service: ServiceInput | undefined;
  if (isObject(body.Service)) {
    const sv = body.Service;
    if (typeof sv.Service !== 'string' || sv.Service === '') throw badRequest('Must provide service name with ID');
    const port = sv.Port ?? 0;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw badRequest('Invalid Port');
    const tags = strings(sv.Tags, 'Tags');
    const meta = stringMap(sv.Meta, 'Meta');
    service = {
      id: typeof sv.ID === 'string' && sv.ID !== '' ? sv.ID : sv.Service,
      service: sv.Service,
      port,
      ...(tags ? { tags } : {}),
      ...(meta ? { meta } : {}),
      ...(typeof sv.Address === 'string' ? { address: sv.Address } : {}),
    };
  }
  const defs = [...(isObject(body.Check) ? [body.Check] : []), ...(Array.isArray(body.Checks) ? body.Checks.filter(isObject) : [])];
  if (defs.length > MAX_CATALOG_CHECKS) throw badRequest(`Too many checks (max ${MAX_CATALOG_CHECKS})`);
  const checks: CheckInput[] = defs.map((c) => {
    const id = typeof c.CheckID === 'string' && c.CheckID !== '' ? c.CheckID : typeof c.Name === 'string' ? c.Name : '';
    if (id === '') throw badRequest('Check needs a CheckID or Name');
    const st = c.Status ?? 'critical';
    if (st !== 'passing' && st !== 'warning' && st !== 'critical') throw badRequest(`Invalid check status: "${String(st)}"`);
    return { checkId: id, name: typeof c.Name === 'string' ? c.Name : id, status: st, output: typeof c.Output === 'string' ? c.Output : '', serviceId: typeof c.ServiceID === 'string' ? c.ServiceID : '' };
  });
  const meta = stringMap(body.NodeMeta, 'NodeMeta');
  return {
    cmd: { type: 'catalog.register', node, address, ...(meta ? { meta } : {}), ...(service ? { service } : {}), ...(checks.length > 0 ? { checks } : {}) },
    answer: (result) => {
      okResult(result);
      return { json: true };
    },
  };
}

async function deregister(ctx: RouteContext, req: ApiRequest): Promise<ApiReply> {
  const body = jsonBody(req.body);
  if (!isObject(body) || typeof body.Node !== 'string' || body.Node === '') throw badRequest('Must provide node');
  const { result } = await commit(ctx, {
    type: 'catalog.deregister',
    node: body.Node,
    ...(typeof body.ServiceID === 'string' && body.ServiceID !== '' ? { serviceId: body.ServiceID } : {}),
    ...(typeof body.CheckID === 'string' && body.CheckID !== '' ? { checkId: body.CheckID } : {}),
  });
  okResult(result);
  return { json: true };
}

export function catalogRoutes(ctx: RouteContext): Route[] {
  const b = ctx.backend;
  const cat = () => b.store.catalog;
  const dc = b.datacenter;
  const read = (fn: (req: ApiRequest) => unknown) => ({
    handler: async (req: ApiRequest): Promise<ApiReply> => {
      const opts = queryOptions(req.query);
      await readMode(ctx, opts);
      const index = await blockOn(ctx.hub, 'catalog', opts);
      return { json: fn(req), index };
    },
    placement: 'read' as const,
  });
  const tagsOf = (c: CheckRecord) => cat().servicesOfNode(c.node).find((s) => s.id === c.serviceId)?.tags ?? [];
  return [
    { path: '/v1/catalog/register', methods: { PUT: { handler: (r) => register(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/catalog/deregister', methods: { PUT: { handler: (r) => deregister(ctx, r), placement: 'leader', write: true } } },
    { path: '/v1/catalog/datacenters', methods: { GET: { handler: () => ({ json: [dc] }), placement: 'local' } } },
    { path: '/v1/catalog/services', methods: { GET: read(() => cat().serviceNames()) } },
    { path: '/v1/catalog/nodes', methods: { GET: read(() => cat().listNodes().map((n) => nodeJson(n, dc))) } },
    {
      path: '/v1/catalog/service/',
      prefix: true,
      methods: {
        GET: read((req) =>
          cat()
            .serviceInstances(req.rest, req.query.get('tag'))
            .map((s) => catalogServiceJson(cat().getNode(s.node)!, s, dc)),
        ),
      },
    },
    {
      path: '/v1/catalog/node/',
      prefix: true,
      methods: {
        GET: read((req) => {
          const n = cat().getNode(req.rest);
          if (!n) return null;
          const services: Record<string, unknown> = {};
          for (const s of cat().servicesOfNode(n.node)) services[s.id] = serviceJson(s, dc);
          return { Node: nodeJson(n, dc), Services: services };
        }),
      },
    },
    {
      path: '/v1/health/service/',
      prefix: true,
      methods: {
        GET: read((req) =>
          cat()
            .health(req.rest, { passingOnly: req.query.has('passing'), ...(req.query.get('tag') !== undefined ? { tag: req.query.get('tag')! } : {}) })
            .map((h) => ({ Node: nodeJson(h.node, dc), Service: serviceJson(h.service, dc), Checks: h.checks.map((c) => checkJson(c, tagsOf(c))) })),
        ),
      },
    },
    {
      path: '/v1/health/checks/',
      prefix: true,
      methods: { GET: read((req) => cat().allChecks().filter((c) => c.serviceName === req.rest).map((c) => checkJson(c, tagsOf(c)))) },
    },
    {
      path: '/v1/health/node/',
      prefix: true,
      methods: { GET: read((req) => cat().checksOfNode(req.rest).map((c) => checkJson(c, tagsOf(c)))) },
    },
    {
      path: '/v1/health/state/',
      prefix: true,
      methods: {
        GET: read((req) => {
          const s = req.rest;
          if (s !== 'any' && s !== 'passing' && s !== 'warning' && s !== 'critical') throw badRequest(`Invalid state: ${JSON.stringify(s)}`);
          return cat().allChecks().filter((c) => s === 'any' || c.status === s).map((c) => checkJson(c, tagsOf(c)));
        }),
      },
    },
  ];
}
