/** The HTTP layer: server, Consul query rules, errors, durations, uint64 JSON, blocking reads. */
export { HttpServer, splitHostPort, type HttpServerOptions, type HttpCounters } from './server.ts';
export { Query, queryOptions, type Consistency, type QueryOptions } from './query.ts';
export { HttpError, badRequest, notFound, forbidden, methodNotAllowed, noLeader } from './errors.ts';
export { parseGoDuration, formatGoDuration } from './duration.ts';
export { U64, toJson, parseU64 } from './json.ts';
export { blockOn } from './blocking.ts';
export type { ApiRequest, ApiReply, Handler, Method, Placement, Route } from './types.ts';
