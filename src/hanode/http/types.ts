/** The request / reply shapes of the HTTP layer's routes. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Query } from './query.ts';

/**
 * Header marking a forwarded request, so a request never bounces between two servers. Its
 * value is the name of the agent that received the request (a session created through a
 * follower is that follower's, as Consul's agent fills in its own node name before the RPC).
 */
export const FORWARDED = 'x-hanode-forwarded';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ApiRequest {
  readonly method: Method;
  /** The URL path, still encoded. */
  readonly path: string;
  /** For a prefix route: the URL-decoded rest after the prefix (`a%2Fb` → `a/b`). */
  readonly rest: string;
  readonly query: Query;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The client's socket address (for loopback-only permissions). */
  readonly remoteAddress?: string;
  /** Aborted when the client goes away before the answer (a parked read then frees its slot). */
  readonly signal?: AbortSignal;
}

export interface ApiReply {
  readonly status?: number;
  /** A JSON body (application/json). */
  readonly json?: unknown;
  /** A raw body (for ?raw and metrics text). */
  readonly raw?: Buffer | string;
  readonly contentType?: string;
  /** X-Consul-Index: written as max(1, index) (Consul never sends 0: the consul client's watch gives up on 0). */
  readonly index?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A large JSON body, produced lazily and written a slice per event-loop turn (http/stream.ts). */
  readonly jsonChunks?: Iterable<string>;
}

export type Handler = (req: ApiRequest) => Promise<ApiReply> | ApiReply;

/**
 * Where a route must run: 'leader' (writes and default/consistent reads: forwarded to the
 * leader as Consul servers forward RPCs), 'read' (the leader unless ?stale), 'local' (this
 * agent answers: agent endpoints, status, metrics).
 */
export type Placement = 'leader' | 'read' | 'local';

export interface Route {
  /** Exact path, or a prefix ending in '/' when `prefix` is true. */
  readonly path: string;
  readonly prefix?: boolean;
  readonly methods: Partial<Record<Method, { readonly handler: Handler; readonly placement: Placement; readonly write?: boolean }>>;
}
