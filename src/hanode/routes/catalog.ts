/** /v1/catalog/* and /v1/health/* — reads of the replicated catalog, blocking on its index. */
import type { CheckRecord } from '../../core/coord/checks.ts';
import { badRequest } from '../http/errors.ts';
import { queryOptions } from '../http/query.ts';
import { blockOn } from '../http/blocking.ts';
import type { ApiReply, ApiRequest, Route } from '../http/types.ts';
import { catalogServiceJson, checkJson, nodeJson, serviceJson } from '../shapes.ts';
import { readMode, type RouteContext } from './context.ts';

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
