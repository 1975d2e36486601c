/**
 * The HTTP API server (node:http): routing, method checks (405 + Allow), the ACL token on
 * writes, bounded bodies (413), forwarding to the leader (Consul servers forward RPCs to the
 * leader; we forward the HTTP request to the leader's API), index headers, and errors as
 * plain text so the daemon keeps serving whatever a client sends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../backend.ts';
import { HttpError, methodNotAllowed, noLeader } from './errors.ts';
import { toJson } from './json.ts';
import { Query } from './query.ts';
import { parseRequestTarget } from './target.ts';
import { writeSliced } from './stream.ts';
import { WakePacer } from './pacer.ts';
import { limitConnsPerClient, normaliseIp } from './conn-limit.ts';
import { allowed, PERMISSION_DENIED, tokenOf, type AclConfig } from './acl.ts';
import { FORWARDED, type ApiReply, type ApiRequest, type Method, type Placement, type Route } from './types.ts';

export interface HttpServerOptions {
  readonly backend: Backend;
  readonly routes: readonly Route[];
  /** Tokens and default policy (src/hanode/http/acl.ts); absent: every request is allowed. */
  readonly acl?: AclConfig;
  /** Concurrent connections one client IP may hold (cluster members exempt); 0 or absent: no bound. */
  readonly maxConnsPerClient?: number;
  /** Largest request body read (bigger: 413). KV values are checked against Consul's 512 KiB separately. */
  readonly maxBodyBytes?: number;
  readonly log?: (line: string) => void;
}

/**
 * Consul bounds a request body by its largest accepted payload; a KV value may be 512 KiB
 * (Consul docs, KV limits), a txn holds up to 64 of them but Consul caps the whole txn at
 * the same kv_max_value_size; 1 MiB covers base64 expansion of one full value in a txn.
 */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** How far past the body limit we keep reading (and dropping) before cutting the connection. */
const DRAIN_FACTOR = 16;

/** Bound on a forwarded request: the longest blocking wait (10 min + jitter) plus slack. */
const FORWARD_TIMEOUT_MS = 11 * 60 * 1000;

/** Requests started per event-loop turn in a burst (WAKE_BATCH, pacer.ts). */
const requestPacer = new WakePacer();

export interface HttpCounters {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  forwarded: number;
}

export class HttpServer {
  readonly counters: HttpCounters = { requests: 0, errors4xx: 0, errors5xx: 0, forwarded: 0 };
  private readonly server: http.Server;
  private readonly exact = new Map<string, Route>();
  private readonly prefixes: Route[];

  constructor(private readonly opts: HttpServerOptions) {
    for (const r of opts.routes) if (!r.prefix) this.exact.set(r.path, r);
    // Longest prefix first.
    this.prefixes = opts.routes.filter((r) => r.prefix).sort((a, b) => b.path.length - a.path.length);
    this.server = http.createServer((req, res) => {
      // A burst of requests is started a batch per event-loop turn (pacer.ts), so Raft's
      // timers and sockets run between batches.
      requestPacer.push(() => {
        if (req.destroyed) return;
        this.handle(req, res).catch((err) => {
          // Last resort: never let one request take the daemon down.
          this.opts.log?.(`http: unhandled ${String(err)}`);
          if (!res.headersSent) this.sendError(res, new HttpError(500, String((err as Error)?.message ?? err)));
          else res.destroy();
        });
      });
    });
    this.server.keepAliveTimeout = 65_000;
    if (opts.maxConnsPerClient !== undefined && opts.maxConnsPerClient > 0) {
      limitConnsPerClient(this.server, opts.maxConnsPerClient, (ip) => opts.backend.members().some((m) => normaliseIp(m.addr) === ip));
    }
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private route(path: string): { route: Route; rest: string } | undefined {
    const r = this.exact.get(path);
    if (r) return { route: r, rest: '' };
    for (const p of this.prefixes) {
      if (path.startsWith(p.path)) return { route: p, rest: path.slice(p.path.length) };
      // "/v1/kv" without the trailing slash means the empty key, as in Consul.
      if (path === p.path.slice(0, -1)) return { route: p, rest: '' };
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++;
    // Raw: no dot-segment resolution, no `\` rewriting (KV keys are opaque; see target.ts).
    const url = parseRequestTarget(req.url ?? '/');
    if (!url) return this.drainThen(req, () => this.sendError(res, new HttpError(400, 'Invalid request target')));
    const found = this.route(url.pathname);
    if (!found) return this.drainThen(req, () => this.sendError(res, new HttpError(404, '404 page not found')));
    const method = (req.method ?? 'GET') as Method;
    const spec = found.route.methods[method];
    if (!spec) {
      const allow = Object.keys(found.route.methods);
      return this.drainThen(req, () => this.sendError(res, methodNotAllowed(method, allow)));
    }
    let rest: string;
    try {
      rest = decodeURIComponent(found.rest);
    } catch {
      return this.drainThen(req, () => this.sendError(res, new HttpError(400, 'Invalid URL encoding')));
    }
    const query = new Query(url.searchParams);
    // One datacenter: a request for another has nowhere to go (Consul: structs.ErrNoDCPath).
    const dc = query.get('dc');
    if (dc !== undefined && dc !== '' && dc !== this.opts.backend.datacenter) {
      return this.drainThen(req, () => this.sendError(res, new HttpError(500, 'No path to datacenter')));
    }
    // Any method but GET is a write, whatever the route says.
    const acl = this.opts.acl;
    if (acl && !allowed(acl, url.pathname, tokenOf(req, query), spec.write === true || method !== 'GET' ? 'write' : 'read')) {
      return this.drainThen(req, () => this.sendError(res, new HttpError(403, PERMISSION_DENIED)));
    }
    const body = await this.readBody(req, res);
    if (body === undefined) return;

    const placement: Placement = spec.placement === 'read' && query.has('stale') ? 'local' : spec.placement;
    const b = this.opts.backend;
    if (placement !== 'local' && !b.isLeader()) {
      const leader = b.leader();
      const addr = leader === undefined ? undefined : b.httpAddressOf(leader);
      if (leader === undefined || addr === undefined || req.headers[FORWARDED] !== undefined) {
        return this.sendError(res, noLeader());
      }
      return this.forward(req, res, addr, body);
    }
    // The abort signal is made only for a handler that reads it (a parked read): a write would
    // otherwise pay an AbortController and a 'close' listener per request for nothing.
    let gone: AbortController | undefined;
    const signal = (): AbortSignal => {
      if (gone === undefined) {
        const ctl = new AbortController();
        gone = ctl;
        if (res.closed) {
          if (!res.writableFinished) ctl.abort();
        } else {
          res.once('close', () => {
            if (!res.writableFinished) ctl.abort();
          });
        }
      }
      return gone.signal;
    };
    const apiReq: ApiRequest = {
      method,
      path: url.pathname,
      rest,
      query,
      headers: req.headers,
      body,
      get signal() {
        return signal();
      },
      ...(req.socket.remoteAddress !== undefined ? { remoteAddress: req.socket.remoteAddress } : {}),
    };
    try {
      const reply = await spec.handler(apiReq);
      if (reply.jsonChunks !== undefined) await this.sendChunks(res, reply);
      else this.send(res, reply);
    } catch (err) {
      if (err instanceof HttpError) this.sendError(res, err);
      else {
        this.opts.log?.(`http: ${method} ${url.pathname}: ${(err as Error)?.stack ?? String(err)}`);
        this.sendError(res, new HttpError(500, String((err as Error)?.message ?? err)));
      }
    }
  }

  /** Reads the body up to the limit; on overflow answers 413 and returns undefined. */
  private readBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | undefined> {
    const max = this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = Number.isFinite(declared) && declared > max;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > max) over = true;
        if (!over) chunks.push(c);
        // Drained and dropped up to a point, so the 413 reaches a client that keeps sending;
        // past DRAIN_FACTOR x the limit the connection is cut (a bound on work per request).
        if (size > max * DRAIN_FACTOR) {
          this.sendError(res, new HttpError(413, `Request body too large, max size: ${max} bytes`));
          req.destroy();
          resolve(undefined);
        }
      });
      req.on('end', () => {
        if (over) {
          this.sendError(res, new HttpError(413, `Request body(${size} bytes) too large, max size: ${max} bytes`));
          resolve(undefined);
        } else resolve(Buffer.concat(chunks));
      });
      req.on('error', () => resolve(undefined));
    });
  }

  /** Reads and drops a body we will not use, then replies (so keep-alive connections stay usable). */
  private drainThen(req: http.IncomingMessage, reply: () => void): void {
    req.resume();
    if (req.complete) reply();
    else req.once('end', reply);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, addr: string, body: Buffer): void {
    this.counters.forwarded++;
    const [host, port] = splitHostPort(addr);
    const headers = { ...req.headers, [FORWARDED]: this.opts.backend.nodeName, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    // From our own listening address (not the kernel's pick), so the leader and a firewall see this agent.
    const own = (this.server.address() as AddressInfo | null)?.address;
    const local = own !== undefined && own !== '0.0.0.0' && own !== '::' ? { localAddress: own } : {};
    const out = http.request({ host, port, method: req.method, path: req.url, headers, timeout: FORWARD_TIMEOUT_MS, ...local }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    out.on('timeout', () => out.destroy(new Error('forward timeout')));
    out.on('error', (err) => {
      if (!res.headersSent) this.sendError(res, new HttpError(500, `rpc error: forwarding to leader: ${err.message}`));
      else res.destroy();
    });
    out.end(body);
  }

  private indexHeaders(index: number): Record<string, string> {
    const b = this.opts.backend;
    return {
      'X-Consul-Index': String(Math.max(1, Math.floor(index))),
      'X-Consul-KnownLeader': String(b.leader() !== undefined),
      'X-Consul-LastContact': String(Math.max(0, Math.floor(b.lastContactMs()))),
    };
  }

  private send(res: http.ServerResponse, reply: ApiReply): void {
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    if (reply.index !== undefined) Object.assign(headers, this.indexHeaders(reply.index));
    let body: Buffer | string;
    if (reply.raw !== undefined) {
      body = reply.raw;
      headers['Content-Type'] = reply.contentType ?? 'text/plain; charset=utf-8';
    } else if (reply.json !== undefined) {
      body = toJson(reply.json);
      headers['Content-Type'] = 'application/json';
    } else body = '';
    const status = reply.status ?? 200;
    this.count(status);
    res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  /** A streamed JSON answer: no Content-Length (chunked), written in slices. */
  private async sendChunks(res: http.ServerResponse, reply: ApiReply): Promise<void> {
    const headers: Record<string, string> = { ...(reply.headers ?? {}), 'Content-Type': 'application/json' };
    if (reply.index !== undefined) Object.assign(headers, this.indexHeaders(reply.index));
    const status = reply.status ?? 200;
    this.count(status);
    res.writeHead(status, headers);
    await writeSliced(res, reply.jsonChunks!);
  }

  private sendError(res: http.ServerResponse, err: HttpError): void {
    if (res.headersSent) return void res.destroy();
    this.count(err.status);
    const headers: Record<string, string> = { ...err.headers, 'Content-Type': 'text/plain; charset=utf-8' };
    if (err.status === 404 && err.index !== undefined) Object.assign(headers, this.indexHeaders(err.index));
    const text = err.message;
    res.writeHead(err.status, { ...headers, 'Content-Length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  private count(status: number): void {
    if (status >= 500) this.counters.errors5xx++;
    else if (status >= 400) this.counters.errors4xx++;
  }
}

export function splitHostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i).replace(/^\[|\]$/g, ''), Number(addr.slice(i + 1))];
}
