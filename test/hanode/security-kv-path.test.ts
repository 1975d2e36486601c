/**
 * KV keys are taken raw (issue 12, point 5): raw HTTP requests on a socket (no client-side
 * URL normalisation, as `curl --path-as-is`) with dot segments, encoded dot segments and
 * backslashes address literal keys; nothing outside the named key or prefix changes.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { parseRequestTarget } from '../../src/hanode/http/target.ts';
import { waitUntil } from '../../src/hanode/launcher.ts';

let agent: Agent;
let host: string;
let port: number;

/** One request on a fresh socket, the target written exactly as given. */
function raw(method: string, target: string, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const chunks: Buffer[] = [];
    sock.setTimeout(10_000, () => sock.destroy(new Error('raw request timed out')));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!m) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status: Number(m[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    sock.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

/** Every key in the store, read over HTTP. */
async function allKeys(): Promise<string[]> {
  const r = await raw('GET', '/v1/kv/?keys');
  return r.status === 404 ? [] : (JSON.parse(r.body) as string[]);
}

async function value(key: string): Promise<string | undefined> {
  const r = await raw('GET', `/v1/kv/${encodeURIComponent(key)}?raw`);
  return r.status === 404 ? undefined : r.body;
}

beforeAll(async () => {
  agent = new Agent({ node: 'kvraw', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  const http = (await agent.start()).http;
  [host, port] = [http.split(':')[0]!, Number(http.split(':')[1])];
  await waitUntil(() => agent.node().replicator.isLeader(), 'leader');
}, 180_000);

afterAll(async () => {
  await agent?.stop();
});

describe('raw KV paths', () => {
  it('PUT /v1/kv/app/../keep/me writes the literal key, not keep/me', async () => {
    expect((await raw('PUT', '/v1/kv/keep/me', 'safe')).body).toBe('true');
    expect((await raw('PUT', '/v1/kv/app/../keep/me', 'evil')).body).toBe('true');
    expect(await value('keep/me')).toBe('safe');
    expect(await value('app/../keep/me')).toBe('evil');
    // Also through the absolute form of the request target.
    expect((await raw('PUT', `http://${host}:${port}/v1/kv/abs/./x`, 'abs')).body).toBe('true');
    expect(await value('abs/./x')).toBe('abs');
    expect(await value('abs/x')).toBeUndefined();
  });

  it('DELETE /v1/kv/app/%2e%2e?recurse deletes only keys under the literal prefix "app/.."', async () => {
    await raw('PUT', '/v1/kv/app/x', '1');
    await raw('PUT', '/v1/kv/other/y', '2');
    await raw('PUT', '/v1/kv/app/%2e%2e/z', '3');
    const before = await allKeys();
    expect(before).toEqual(expect.arrayContaining(['app/../keep/me', 'app/../z', 'app/x', 'keep/me', 'other/y']));
    expect((await raw('DELETE', '/v1/kv/app/%2e%2e?recurse')).status).toBe(200);
    const after = await allKeys();
    expect(after.filter((k) => k.startsWith('app/..'))).toEqual([]);
    expect(after).toEqual(before.filter((k) => !k.startsWith('app/..')));
    expect(after).toEqual(expect.arrayContaining(['app/x', 'keep/me', 'other/y']));
  });

  it('a raw backslash stays a backslash; ./ and .. alone are keys too', async () => {
    expect((await raw('PUT', '/v1/kv/win\\path', 'bs')).body).toBe('true');
    expect(await value('win\\path')).toBe('bs');
    expect(await value('win/path')).toBeUndefined();
    expect((await raw('PUT', '/v1/kv/./dot', 'd')).body).toBe('true');
    expect((await raw('PUT', '/v1/kv/..', 'dd')).body).toBe('true');
    expect(await value('./dot')).toBe('d');
    expect(await value('..')).toBe('dd');
    expect(await value('dot')).toBeUndefined();
  });

  it('a path that leaves /v1/kv/ by dot segments is not routed to another endpoint', async () => {
    // WHATWG parsing would have made this /v1/agent/self; taken raw it is the KV key "../agent/self".
    const r = await raw('GET', '/v1/kv/../agent/self');
    expect(r.status).toBe(404);
    expect(await value('../agent/self')).toBeUndefined();
  });

  it('parseRequestTarget keeps the path as sent', () => {
    expect(parseRequestTarget('/v1/kv/a/../b?recurse&x=1')!.pathname).toBe('/v1/kv/a/../b');
    expect(parseRequestTarget('/v1/kv/a/../b?recurse&x=1')!.searchParams.get('x')).toBe('1');
    expect(parseRequestTarget('/v1/kv/a\\b')!.pathname).toBe('/v1/kv/a\\b');
    expect(parseRequestTarget('HTTP://h:1/v1/kv/%2e%2e')!.pathname).toBe('/v1/kv/%2e%2e');
    expect(parseRequestTarget('http://h:1?x')!.pathname).toBe('/');
    expect(parseRequestTarget('*')).toBeUndefined();
  });
});
