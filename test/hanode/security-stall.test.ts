/**
 * Readers cannot stall the node (issue 12, point 6), checked by counting work, never by
 * timing (bench/hanode-stall.ts prints the stalls): a write wakes only the blocking reads of
 * its key or prefix; woken reads are released at most WAKE_BATCH per event-loop turn; a
 * recurse read over the size cap is a 413 with a message, and one under it is streamed.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { kvWatchFor } from '../../src/hanode/http/kv-watch.ts';
import { WakePacer } from '../../src/hanode/http/pacer.ts';
import { waitUntil } from '../../src/hanode/launcher.ts';
import { MAX_RECURSE_BYTES } from '../../src/hanode/routes/kv.ts';

let agent: Agent;
let base: string;

const put = async (key: string, body: string) => (await fetch(`${base}/v1/kv/${encodeURIComponent(key)}`, { method: 'PUT', body, signal: AbortSignal.timeout(10_000) })).status;

beforeAll(async () => {
  agent = new Agent({ node: 'stall', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  base = `http://${(await agent.start()).http}`;
  await waitUntil(() => agent.node().replicator.isLeader(), 'leader', 10_000);
}, 20_000);

afterAll(async () => {
  await agent?.stop();
});

describe('per-key wake-ups', () => {
  it('a write wakes the reads of its key and of the prefixes above it, and no other', async () => {
    expect(await put('w/seed', 'x')).toBe(200);
    const store = agent.node().store;
    const watch = kvWatchFor(store);
    const index = Math.max(1, store.indexOf('kv'));
    const opts = { consistency: 'default' as const, minIndex: index, waitUs: 60_000_000 };
    const N = 2000;
    const woken: string[] = [];
    for (let i = 0; i < N; i++) void watch.block(`w/k${i}`, false, opts).then(() => woken.push(`w/k${i}`));
    void watch.block('w/', true, opts).then(() => woken.push('prefix w/'));
    void watch.block('other/', true, opts).then(() => woken.push('prefix other/'));
    expect(watch.parked()).toBe(N + 2);
    const before = { ...watch.stats };
    expect(await put('w/k7', 'changed')).toBe(200);
    await waitUntil(() => woken.length >= 2, 'the two reads concerned', 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(woken.sort()).toEqual(['prefix w/', 'w/k7']);
    expect(watch.parked()).toBe(N);
    expect(watch.stats.keysExamined - before.keysExamined).toBe(1);
    // A long-poll over HTTP is released by its own key, not by another.
    const poll = fetch(`${base}/v1/kv/w/k9?index=${store.indexOf('kv')}&wait=30s`, { signal: AbortSignal.timeout(20_000) });
    let done = false;
    void poll.then(() => (done = true));
    await waitUntil(() => watch.parked() === N + 1, 'the long-poll to park', 10_000);
    expect(await put('w/k10', 'unrelated')).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    expect(await put('w/k9', 'mine')).toBe(200);
    const res = await poll;
    expect(res.status).toBe(200);
    expect(Buffer.from(((await res.json()) as { Value: string }[])[0]!.Value, 'base64').toString()).toBe('mine');
    // Deleting the prefix wakes only reads of keys that existed (and the prefix reads).
    const seed = watch.block('w/seed', false, { ...opts, minIndex: store.indexOf('kv') });
    const parkedBefore = watch.parked();
    expect((await fetch(`${base}/v1/kv/w/?recurse`, { method: 'DELETE' })).status).toBe(200);
    await seed;
    await new Promise((r) => setTimeout(r, 50));
    expect(watch.parked()).toBe(parkedBefore - 1);
    // Leave nothing parked.
    watch.wakeAll();
    await waitUntil(() => watch.parked() === 0, 'every watcher released', 10_000);
  }, 30_000);

  it('a client that hangs up frees its parked slot at once', async () => {
    const store = agent.node().store;
    const watch = kvWatchFor(store);
    const before = watch.parked();
    const ac = new AbortController();
    const poll = fetch(`${base}/v1/kv/gone?index=${store.indexOf('kv')}&wait=60s`, { signal: ac.signal }).catch(() => 'aborted');
    await waitUntil(() => watch.parked() === before + 1, 'the long-poll to park', 10_000);
    ac.abort();
    expect(await poll).toBe('aborted');
    await waitUntil(() => watch.parked() === before, 'the slot to be freed', 10_000);
  });

  it('the pacer releases at most its batch per event-loop turn', async () => {
    const pacer = new WakePacer(10);
    const turns: number[] = [];
    // Another macrotask counts event-loop turns between the pacer's batches.
    let spins = 0;
    const spin = () => new Promise<void>((r) => setImmediate(() => (spins++, r())));
    for (let i = 0; i < 95; i++) pacer.push(() => turns.push(spins));
    for (let i = 0; i < 40 && pacer.pending() > 0; i++) await spin();
    expect(turns).toHaveLength(95);
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(10);
    expect(perTurn.size).toBeGreaterThanOrEqual(10);
  });
});

describe('recurse size', () => {
  it('over the cap: 413 with a message; under it: the whole answer, streamed', async () => {
    const value = 'v'.repeat(500 * 1024);
    const n = Math.ceil((MAX_RECURSE_BYTES * 3) / 4 / value.length) + 2;
    for (let i = 0; i < n; i++) expect(await put(`big/${String(i).padStart(3, '0')}`, value)).toBe(200);
    const over = await fetch(`${base}/v1/kv/big/?recurse`);
    expect(over.status).toBe(413);
    expect(await over.text()).toMatch(/^Response too large: \d+ keys under "big\/" .* read a narrower prefix/);
    const streamed = await new Promise<{ status: number; chunked: boolean; body: string }>((resolve, reject) => {
      http
        .get(`${base}/v1/kv/big/00?recurse`, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, chunked: res.headers['transfer-encoding'] === 'chunked', body: Buffer.concat(parts).toString() }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(streamed.status).toBe(200);
    expect(streamed.chunked).toBe(true);
    const list = JSON.parse(streamed.body) as { Key: string; Value: string }[];
    expect(list.map((e) => e.Key)).toEqual(Array.from({ length: Math.min(n, 10) }, (_, i) => `big/00${i}`));
    expect(Buffer.from(list[3]!.Value, 'base64').toString()).toBe(value);
  }, 60_000);
});

describe('connections per client', () => {
  it('past the bound a client IP gets 429 and a closed connection; cluster members are exempt', async () => {
    const a = new Agent({ node: 'conns', dev: true, httpMaxConnsPerClient: 5, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
    try {
      const addr = (await a.start()).http;
      await waitUntil(() => a.node().replicator.isLeader(), 'leader', 10_000);
      const [host, port] = [addr.split(':')[0]!, Number(addr.split(':')[1])];
      const index = a.node().store.indexOf('kv');
      const get = (path: string, localAddress: string, signal?: AbortSignal) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.get({ host, port, path, localAddress, agent: false, ...(signal ? { signal } : {}) }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
        });
      const ac = new AbortController();
      // 127.0.0.2 is not a cluster member: five parked long-polls fill its bound.
      const polls = Array.from({ length: 5 }, (_, i) => get(`/v1/kv/c${i}?index=${Math.max(1, index)}&wait=60s`, '127.0.0.2', ac.signal).catch(() => undefined));
      await waitUntil(() => kvWatchFor(a.node().store).parked() === 5, 'five parked polls', 10_000);
      const sixth = await get('/v1/status/leader', '127.0.0.2');
      expect(sixth.status).toBe(429);
      expect(sixth.body).toMatch(/too many concurrent connections/);
      // 127.0.0.1 is the member's own address: exempt.
      expect((await get('/v1/status/leader', '127.0.0.1')).status).toBe(200);
      ac.abort();
      await Promise.all(polls);
      await waitUntil(async () => (await get('/v1/status/leader', '127.0.0.2')).status === 200, 'room again after the polls closed', 10_000);
    } finally {
      await a.stop();
    }
  }, 30_000);
});
