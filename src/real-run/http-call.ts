/**
 * One HTTP request of a real run's client, sent FROM a given loopback address (the client
 * node's own, src/real-run/client-nodes.ts) so an nft rule can cut that client off from the
 * servers as a scenario's `isolate` of a client node asks. Every request is bounded by its
 * timeout. The outcome is what the workloads need to classify an operation: an answer, a
 * refused connection (nothing was sent: the op did not happen), or no answer in time (it
 * may have happened).
 */
import http from 'node:http';

export type Answer = { readonly status: number; readonly text: string } | 'refused' | 'timeout';

/** Bound on one answer's body: agents answer small JSON documents; more is not an answer. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Keep-alive agents, one per source address (a request from 127.0.1.2 reuses its sockets). */
const agents = new Map<string, http.Agent>();

function agentFor(from: string | undefined): http.Agent {
  const k = from ?? '';
  let a = agents.get(k);
  if (a === undefined) {
    a = new http.Agent({ keepAlive: true, maxSockets: 64, ...(from !== undefined ? { localAddress: from } : {}) });
    agents.set(k, a);
  }
  return a;
}

/** Closes every kept-alive socket (end of a run). */
export function closeHttpAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

export function httpCall(method: string, url: string, opts: { body?: string; timeoutMs: number; from?: string }): Promise<Answer> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(a);
    };
    const req = http.request(url, { method, agent: agentFor(opts.from) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error('answer too large'));
        else chunks.push(c);
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish('timeout'));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
      finish('timeout');
    }, Math.max(1, opts.timeoutMs));
    req.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}
