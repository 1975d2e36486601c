/** The Consul-compatible HTTP API: every route module over one Backend. */
import type { Backend } from './backend.ts';
import { HttpServer } from './http/server.ts';
import type { ApiReply, ApiRequest } from './http/types.ts';
import { agentRoutes } from './routes/agent.ts';
import { catalogRoutes } from './routes/catalog.ts';
import type { RouteContext } from './routes/context.ts';
import { kvRoutes } from './routes/kv.ts';
import { sessionRoutes } from './routes/session.ts';
import { leaseRoutes } from './routes/lease.ts';
import { statusRoutes } from './routes/status.ts';
import { txnRoutes } from './routes/txn.ts';
import type { Route } from './http/types.ts';
import type { ScriptPolicy } from './script-policy.ts';
import type { AclConfig } from './http/acl.ts';

export interface ApiOptions {
  readonly backend: Backend;
  readonly acl?: AclConfig;
  readonly maxConnsPerClient?: number;
  readonly scripts?: ScriptPolicy;
  readonly log?: (line: string) => void;
  readonly leave: () => Promise<void>;
  readonly self: () => unknown;
  readonly metrics: (req: ApiRequest) => ApiReply;
  /** More routes (the /v1/ha/* failover API). */
  readonly extraRoutes?: (ctx: RouteContext) => Route[];
}

export function createApi(opts: ApiOptions): HttpServer {
  const backend = opts.backend;
  // The hub is read through the backend on every call, so a rebuilt node is picked up.
  const ctx: RouteContext = {
    backend,
    get hub() {
      return backend.hub;
    },
    ...(opts.scripts ? { scripts: opts.scripts } : {}),
  };
  const routes = [
    ...kvRoutes(ctx),
    ...txnRoutes(ctx),
    ...sessionRoutes(ctx),
    ...leaseRoutes(ctx),
    ...agentRoutes(ctx, { leave: opts.leave, self: opts.self, metrics: opts.metrics }),
    ...catalogRoutes(ctx),
    ...statusRoutes(ctx),
    ...(opts.extraRoutes ? opts.extraRoutes(ctx) : []),
  ];
  return new HttpServer({ backend, routes, ...(opts.acl ? { acl: opts.acl } : {}), ...(opts.maxConnsPerClient !== undefined ? { maxConnsPerClient: opts.maxConnsPerClient } : {}), ...(opts.log ? { log: opts.log } : {}) });
}
