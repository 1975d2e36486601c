/**
 * The HTTP endpoint of a shard process (`--http ADDR`):
 *   GET  /v1/shard/kv/KEY   the value (200, raw), 404 when absent, 503 {error} when no answer
 *   PUT  /v1/shard/kv/KEY   body = value; 200 {"seq":n} once the primary and its standbys hold it
 *   GET  /v1/shard/status   this process: group, role, configuration, ring, master
 * Requests go through the process's routing client (core/shard/client.ts): the key's group
 * by the published ring, its primary from the master's configuration, retried when the
 * primary moved. A put that ends in 503 has an unknown outcome (it may have been applied).
 * With a token configured, every request needs it (X-Consul-Token or Authorization: Bearer).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ShardApp } from './node.ts';

/** Value size bound: Consul's KV limit (512 KiB, `kv_max_value_size`), ours too. */
export const MAX_VALUE_BYTES = 512 * 1024;
/** Key length bound (ours): far below the wire's 64 KiB, what fits in a URL line. */
export const MAX_KEY_CHARS = 1024;
const KV_PREFIX = '/v1/shard/kv/';

export interface ShardHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly app: () => ShardApp | undefined;
  readonly token?: string;
  readonly status: () => Record<string, unknown>;
}

export interface ShardHttp {
  /** HOST:PORT bound. */
  readonly address: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const h = req.headers['x-consul-token'];
  const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const given = typeof h === 'string' ? h : bearer;
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key of a KV path, or undefined when it is not a valid one. */
export function keyOf(url: string): string | undefined {
  const path = url.split('?')[0]!;
  if (!path.startsWith(KV_PREFIX)) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(path.slice(KV_PREFIX.length));
  } catch {
    return undefined;
  }
  return key.length > 0 && key.length <= MAX_KEY_CHARS ? key : undefined;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        resolve(undefined);
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', () => resolve(undefined));
  });
}

export function startShardHttp(o: ShardHttpOptions): Promise<ShardHttp> {
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'internal' }));
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req, o.token)) return send(res, 403, JSON.stringify({ error: 'ACL not found' }));
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.split('?')[0] === '/v1/shard/status') return send(res, 200, JSON.stringify(o.status()));
    const key = keyOf(url);
    if (key === undefined) return send(res, url.startsWith(KV_PREFIX) ? 400 : 404, JSON.stringify({ error: url.startsWith(KV_PREFIX) ? `bad key (1..${MAX_KEY_CHARS} chars, URL-encoded)` : 'not found' }));
    const app = o.app();
    if (!app) return send(res, 503, JSON.stringify({ error: 'node down' }));
    if (req.method === 'GET') {
      app.client.get(key, (r) => {
        if (!r.ok) return send(res, 503, JSON.stringify({ error: r.error }));
        if (r.value === null) return send(res, 404, JSON.stringify({ error: 'no such key' }));
        send(res, 200, Buffer.from(r.value, 'latin1'), 'application/octet-stream');
      });
      return;
    }
    if (req.method === 'PUT') {
      const body = await readBody(req, MAX_VALUE_BYTES);
      if (body === undefined) return send(res, 413, JSON.stringify({ error: `value over ${MAX_VALUE_BYTES} bytes` }));
      // Values are strings in the core: bytes travel one char per byte (latin1), as the tree's data.
      app.client.put(key, body.toString('latin1'), (r) => {
        if (!r.ok) return send(res, 503, JSON.stringify({ error: r.error }));
        send(res, 200, JSON.stringify({ seq: r.seq }));
      });
      return;
    }
    send(res, 405, JSON.stringify({ error: 'method not allowed' }));
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : o.port;
      resolve({
        address: `${o.host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
