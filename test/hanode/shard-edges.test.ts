/**
 * The edges of a shard process that take outside input: the HTTP endpoint (token, key and
 * size checks, answers), address cards read from the tree, and the command line (bad input is
 * one line and exit 2). The cores behind them are stubbed; the real processes are
 * shard-real.test.ts's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardApp } from '../../src/hanode/shard/node.ts';
import { parseCard } from '../../src/hanode/shard/directory.ts';
import { MAX_VALUE_BYTES, startShardHttp, type ShardHttp } from '../../src/hanode/shard/http.ts';

const TOKEN = 'secret-token-1';
const store = new Map<string, string>();
const fakeApp = {
  client: {
    put: (k: string, v: string, done: (r: { ok: true; seq: number } | { ok: false; error: string }) => void) => {
      if (k === 'unknown-outcome') return done({ ok: false, error: 'unknown-outcome' });
      store.set(k, v);
      done({ ok: true, seq: store.size });
    },
    get: (k: string, done: (r: { ok: true; value: string | null }) => void) => done({ ok: true, value: store.get(k) ?? null }),
  },
} as unknown as ShardApp;

let http: ShardHttp;
beforeAll(async () => {
  http = await startShardHttp({ host: '127.0.0.1', port: 0, app: () => fakeApp, token: TOKEN, status: () => ({ name: 'x' }) });
});
afterAll(async () => {
  await http?.close();
});

const call = async (path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; text: string }> => {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers['x-consul-token'] = init.token ?? TOKEN;
  const res = await fetch(`http://${http.address}${path}`, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
};

describe('shard HTTP endpoint', () => {
  it('refuses requests without the token or with another one', async () => {
    expect((await call('/v1/shard/kv/a', { token: null })).status).toBe(403);
    expect((await call('/v1/shard/kv/a', { token: 'secret-token-2' })).status).toBe(403);
    expect((await call('/v1/shard/status', { token: 'x' })).status).toBe(403);
  });

  it('puts and gets through the routing client; absent is 404, an unknown outcome 503', async () => {
    expect(await call('/v1/shard/kv/a%2Fb', { method: 'PUT', body: 'v1' })).toEqual({ status: 200, text: '{"seq":1}' });
    expect(store.get('a/b')).toBe('v1');
    expect(await call('/v1/shard/kv/a%2Fb')).toEqual({ status: 200, text: 'v1' });
    expect((await call('/v1/shard/kv/nope')).status).toBe(404);
    expect((await call('/v1/shard/kv/unknown-outcome', { method: 'PUT', body: 'x' })).status).toBe(503);
    expect((await call('/v1/shard/status')).text).toBe('{"name":"x"}');
  });

  it('refuses bad keys, oversized values, other paths and methods', async () => {
    expect((await call('/v1/shard/kv/')).status).toBe(400);
    expect((await call('/v1/shard/kv/%ZZ')).status).toBe(400);
    expect((await call(`/v1/shard/kv/${'k'.repeat(1025)}`)).status).toBe(400);
    const big = await call('/v1/shard/kv/big', { method: 'PUT', body: 'x'.repeat(MAX_VALUE_BYTES + 1) }).catch(() => ({ status: 413, text: '' }));
    expect(big.status).toBe(413);
    expect(store.has('big')).toBe(false);
    expect((await call('/v1/kv/a')).status).toBe(404);
    expect((await call('/v1/shard/kv/a', { method: 'DELETE' })).status).toBe(405);
  });
});

describe('address cards from the tree', () => {
  it('takes a well-formed card and refuses anything else', () => {
    const good = { host: '127.0.0.11', udp: '4000', tcp: '4000', http: '127.0.0.11:9000', group: 'g1', master: true };
    expect(parseCard(JSON.stringify(good))?.addr).toEqual({ host: '127.0.0.11', udpPort: 4000, tcpPort: 4000 });
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify({ ...good, tcp: '70000' }),
      JSON.stringify({ ...good, master: 'yes' }),
      JSON.stringify({ ...good, group: '../x' }),
      JSON.stringify({ ...good, http: 'http://evil/' }),
      JSON.stringify({ ...good, pad: 'x'.repeat(5000) }),
    ]) expect(parseCard(bad)).toBeUndefined();
  });
});

describe('hanode shard command line', () => {
  const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hanode.js');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HANODE_ENCRYPT: '' } });
  it.each([
    [['shard', '--data-dir', '/tmp/x', '--group', 'g1', '--coord', '127.0.0.1:2181'], '--name'],
    [['shard', '--name', 'd1', '--data-dir', '/tmp/x', '--coord', '127.0.0.1:2181'], '--group'],
    [['shard', '--name', 'd1', '--group', 'g1', '--data-dir', '/tmp/x', '--coord', 'nowhere'], '--coord'],
    [['shard', '--name', 'd1', '--group', 'g1', '--data-dir', '/tmp/x', '--coord', '127.0.0.1:2181'], 'key'],
    [['shard', '--name', 'd1', '--group', 'g1', '--data-dir', '/tmp/x', '--coord', '127.0.0.1:2181', '--session-timeout', '1ms'], '--session-timeout'],
    [['shard-client', 'del', 'k', '--coord', '127.0.0.1:2181'], 'get or put'],
    [['shard-client', 'put', 'k', '--coord', '127.0.0.1:2181'], 'VALUE'],
  ])('%j: one line naming %s, exit 2', (args, what) => {
    const r = run(args);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(what);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
