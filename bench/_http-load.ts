// A closed-loop HTTP/1.1 load generator shared by the KV benches: `clients` concurrent clients,
// each on its own keep-alive connection, send one request after another for a fixed time. It
// reports its own CPU per request, since it shares the machine with what it measures.
// Latency is per request (send to end of response); throughput counts successful requests.
import http from 'node:http';
import { RawHttpConnection, requestBytes } from './_raw-http-client.ts';

/** What one request is: the same harness drives every system under test. */
export interface Target {
  readonly name: string;
  /** host:port */
  readonly addr: string;
  readonly method: string;
  /** Path and body of request number i (the caller cycles its keys through i). */
  path(i: number): string;
  body(i: number): string | Buffer;
  /** Whether a response status means success. */
  ok(status: number): boolean;
}

export interface LoadResult {
  readonly ops: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  /** CPU time of this load generator (the whole bench process) per successful request, µs. */
  readonly clientCpuUs: number;
}

function onceNodeHttp(agent: http.Agent, t: Target, host: string, port: number, i: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method: t.method, path: t.path(i), agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => (t.ok(res.statusCode ?? 0) ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(t.body(i));
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `clients` closed-loop clients against t for `seconds`; request numbers start at `first`.
 * The client is the lean one of _raw-http-client.ts; BENCH_HTTP_CLIENT=node uses Node's http
 * module instead (the harness of earlier runs, ~40 µs more CPU per request).
 */
export async function load(t: Target, clients: number, seconds: number, first = 0): Promise<LoadResult> {
  const i = t.addr.lastIndexOf(':');
  const host = t.addr.slice(0, i);
  const port = Number(t.addr.slice(i + 1));
  const nodeHttp = process.env.BENCH_HTTP_CLIENT === 'node';
  const agent = nodeHttp ? new http.Agent({ keepAlive: true, maxSockets: clients }) : undefined;
  const conns: RawHttpConnection[] = [];
  const lat: number[] = [];
  let errors = 0;
  let next = first;
  const end = Date.now() + seconds * 1000;
  const rawOnce = (conn: RawHttpConnection, n: number): Promise<number> => {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => conn.abort(new Error('timeout')), 10_000);
      conn.send(requestBytes(t.method, t.addr, t.path(n), t.body(n)), (err, status) => {
        clearTimeout(timer);
        if (err !== undefined) reject(err);
        else if (!t.ok(status)) reject(new Error(`HTTP ${status}`));
        else resolve(performance.now() - t0);
      });
    });
  };
  const client = async () => {
    const conn = new RawHttpConnection(host, port);
    conns.push(conn);
    for (let k = 0; k < 10_000_000 && Date.now() < end; k++) {
      try {
        lat.push(await (nodeHttp ? onceNodeHttp(agent!, t, host, port, next++) : rawOnce(conn, next++)));
      } catch {
        errors++;
        if (errors > 1000) return; // the target is down: stop hammering it, the row says so
      }
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, client));
  const secs = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent?.destroy();
  for (const c of conns) c.close();
  lat.sort((a, b) => a - b);
  const clientCpuUs = lat.length === 0 ? NaN : (cpu.user + cpu.system) / lat.length;
  return { ops: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), errors, clientCpuUs };
}
