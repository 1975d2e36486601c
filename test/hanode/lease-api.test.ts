/**
 * /v1/lease/* (src/hanode/routes/lease.ts): etcd-style leases over hanode's HTTP API on a --dev
 * agent. A kept-alive lease and its key live on; an abandoned one expires, taking its key; a
 * keep-alive of a gone lease is 404; bad input is 400, never 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { waitUntil } from '../support/patience.ts';

let agent: Agent;
let base: string;

async function req(method: string, path: string, body?: string) {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  agent = new Agent({ node: 'dev1', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  base = `http://${(await agent.start()).http}`;
  await waitUntil(() => agent.node().replicator.isLeader(), 'dev leader');
}, 180_000);

afterAll(async () => {
  await agent?.stop();
});

describe('lease API', () => {
  it('grant, put, keep-alive, expiry and revoke', async () => {
    const g = await req('PUT', '/v1/lease/grant', JSON.stringify({ TTL: '2s', Name: 'a' }));
    expect(g.status, g.text).toBe(200);
    const id = (JSON.parse(g.text) as { ID: string }).ID;
    expect(id).not.toBe('');
    expect((await req('PUT', `/v1/lease/put/svc/a?lease=${id}`, 'a')).status).toBe(200);
    const info = JSON.parse((await req('GET', `/v1/lease/info/${id}?consistent`)).text) as { ID: string; TTL: string }[];
    expect(info).toEqual([expect.objectContaining({ ID: id, TTL: '2s' })]);
    // Kept alive past several TTLs: still there, key too.
    for (let i = 0; i < 6; i++) {
      expect((await req('PUT', `/v1/lease/keepalive/${id}`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 700));
    }
    expect(JSON.parse((await req('GET', `/v1/lease/info/${id}`)).text)).toHaveLength(1);
    expect((await req('GET', '/v1/kv/svc/a?raw')).text).toBe('a');
    // Abandoned: it expires and its key goes with it.
    await waitUntil(async () => JSON.parse((await req('GET', `/v1/lease/info/${id}?consistent`)).text).length === 0, 'the lease to expire', 60_000);
    expect((await req('GET', '/v1/kv/svc/a')).status).toBe(404);
    expect((await req('PUT', `/v1/lease/keepalive/${id}`)).status).toBe(404);
    // Revoke.
    const g2 = JSON.parse((await req('PUT', '/v1/lease/grant', JSON.stringify({ TTL: '60s' }))).text) as { ID: string };
    expect((await req('PUT', `/v1/lease/revoke/${g2.ID}`)).status).toBe(200);
    expect(JSON.parse((await req('GET', `/v1/lease/info/${g2.ID}?consistent`)).text)).toEqual([]);
  }, 120_000);

  it('refuses bad input with 4xx', async () => {
    for (const [m, p, b] of [
      ['PUT', '/v1/lease/grant', '{}'],
      ['PUT', '/v1/lease/grant', '{"TTL":"soon"}'],
      ['PUT', '/v1/lease/grant', 'not json'],
      ['PUT', '/v1/lease/put/k', 'v'],
      ['PUT', '/v1/lease/put/k?lease=nope', 'v'],
      ['PUT', '/v1/lease/keepalive/', undefined],
    ] as const) {
      const r = await req(m, p, b);
      expect(r.status, `${p} ${b}: ${r.text}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${p} ${b}: ${r.text}`).toBeLessThan(500);
    }
  });
});
