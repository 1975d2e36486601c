// A closed-loop HTTP/1.1 load generator shared by the KV benches: `clients` concurrent clients,
// each on its own keep-alive connection, send one request after another for a fixed time.
// Latency is per request (send to end of response); throughput counts successful requests.
import http from 'node:http';

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
}

function once(agent: http.Agent, t: Target, host: string, port: number, i: number): Promise<number> {
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

/** Runs `clients` closed-loop clients against t for `seconds`; request numbers start at `first`. */
export async function load(t: Target, clients: number, seconds: number, first = 0): Promise<LoadResult> {
  const i = t.addr.lastIndexOf(':');
  const host = t.addr.slice(0, i);
  const port = Number(t.addr.slice(i + 1));
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const lat: number[] = [];
  let errors = 0;
  let next = first;
  const end = Date.now() + seconds * 1000;
  const client = async () => {
    for (let k = 0; k < 10_000_000 && Date.now() < end; k++) {
      try {
        lat.push(await once(agent, t, host, port, next++));
      } catch {
        errors++;
        if (errors > 1000) return; // the target is down: stop hammering it, the row says so
      }
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: clients }, client));
  const secs = (Date.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { ops: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}
