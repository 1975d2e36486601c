/**
 * The request's abort signal is made only when a handler reads it (src/hanode/http/server.ts):
 * a parked blocking read whose client goes away still frees its slot, and a write never needs one.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { kvWatchFor } from '../../src/hanode/http/kv-watch.ts';
import { waitUntil } from '../../src/hanode/launcher.ts';

let agent: Agent;
let addr: { host: string; port: number };

beforeAll(async () => {
  agent = new Agent({ node: 'abort', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  const a = (await agent.start()).http;
  addr = { host: a.slice(0, a.lastIndexOf(':')), port: Number(a.slice(a.lastIndexOf(':') + 1)) };
  await waitUntil(() => agent.node().replicator.isLeader(), 'leader', 10_000);
}, 20_000);

afterAll(async () => {
  await agent?.stop();
});

describe('the lazy abort signal', () => {
  it('a blocking read whose client disconnects leaves the parked set; writes still answer', async () => {
    const put = await fetch(`http://${addr.host}:${addr.port}/v1/kv/a/key`, { method: 'PUT', body: 'v', signal: AbortSignal.timeout(10_000) });
    expect(put.status).toBe(200);
    const watch = kvWatchFor(agent.node().store);
    const before = watch.parked();
    const index = agent.node().store.indexOf('kv');
    const req = http.request({ ...addr, method: 'GET', path: `/v1/kv/a/key?index=${index}&wait=60s` });
    req.on('error', () => {});
    req.end();
    await waitUntil(() => watch.parked() === before + 1, 'the read to park', 10_000);
    req.destroy(); // the client goes away
    await waitUntil(() => watch.parked() === before, 'the parked read to be freed', 10_000);
    expect(watch.parked()).toBe(before);
  });
});
