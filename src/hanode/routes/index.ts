/** Route modules of the HTTP API, one per Consul endpoint family. */
export { kvRoutes } from './kv.ts';
export { txnRoutes } from './txn.ts';
export { sessionRoutes } from './session.ts';
export { agentRoutes } from './agent.ts';
export { catalogRoutes } from './catalog.ts';
export { statusRoutes } from './status.ts';
export { haRoutes, type HaBackend } from './ha.ts';
export { metricsReply, prometheusText, promName, type Metric } from './metrics.ts';
export { commit, okResult, readMode, jsonBody, isObject, type RouteContext } from './context.ts';
