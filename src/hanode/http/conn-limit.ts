/**
 * A bound on concurrent HTTP connections per client IP: Consul's
 * `limits.http_max_conns_per_client` (default 200). One client opening thousands of
 * long-polls costs the agent sockets, memory and event-loop time; past the bound a new
 * connection gets a 429 and is closed. Cluster members are exempt: a follower forwards
 * every client's request to the leader from its own address (Consul forwards over RPC, which
 * its HTTP limit does not see).
 */
import type http from 'node:http';
import type net from 'node:net';

/** Consul's default for limits.http_max_conns_per_client. */
export const DEFAULT_MAX_CONNS_PER_CLIENT = 200;

const TOO_MANY = 'Your IP is issuing too many concurrent connections, please rate limit your calls\n';

export function normaliseIp(address: string | undefined): string {
  const a = address ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export function limitConnsPerClient(server: http.Server, max: number, exempt: (ip: string) => boolean): { readonly refused: () => number } {
  const open = new Map<string, number>();
  let refused = 0;
  server.on('connection', (sock: net.Socket) => {
    const ip = normaliseIp(sock.remoteAddress);
    let exemptIp = false;
    try {
      exemptIp = exempt(ip);
    } catch {
      exemptIp = false;
    }
    if (exemptIp) return;
    const n = (open.get(ip) ?? 0) + 1;
    if (n > max) {
      refused++;
      sock.end(`HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(TOO_MANY)}\r\nConnection: close\r\n\r\n${TOO_MANY}`);
      sock.destroySoon();
      return;
    }
    open.set(ip, n);
    sock.once('close', () => {
      const m = (open.get(ip) ?? 1) - 1;
      if (m <= 0) open.delete(ip);
      else open.set(ip, m);
    });
  });
  return { refused: () => refused };
}
