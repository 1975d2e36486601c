/**
 * Limits audit (issue 15, point 3): every bound of the replicated store is checked before a
 * command is proposed, answered with a clear 4xx (or ZooKeeper's BadArguments) and no log entry;
 * a command past a bound that reaches the log anyway (proposed directly, as a forwarded or older
 * client could) is a recorded refusal, not a crash, and the node comes back across a restart that
 * replays it. Bounds a test cannot reach in reasonable time (1,000,000 keys, 100,000 sessions,
 * 1,000,000 znodes) are lowered on the running store; value size and transaction ops are real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KV_MAX_TXN_OPS, KV_MAX_VALUE_CHARS } from '../../src/core/kv/index.ts';
import type { StoreCommandBody, StoreResult } from '../../src/core/store/index.ts';
import { Agent } from '../../src/hanode/agent.ts';
import { waitUntil } from '../../src/hanode/launcher.ts';

const root = mkdtempSync(join(tmpdir(), 'hanode-limits-'));
const dataDir = join(root, 'lim');
let agent: Agent;
let base: string;

function mk(): Agent {
  return new Agent({ node: 'lim', dataDir, bootstrapExpect: 1, aclDefaultPolicy: 'allow', bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
}

async function boot(): Promise<void> {
  agent = mk();
  base = `http://${(await agent.start()).http}`;
  await waitUntil(() => agent.node().replicator.isLeader(), 'the single server leads');
  // The leader registers itself in the catalog just after it is elected: a write of its own that
  // a test counting log entries must not see land in the middle of its count.
  await waitUntil(async () => (await http('GET', '/v1/catalog/nodes')).text.includes('"lim"'), 'the server in its catalog');
}

async function http(method: string, path: string, body?: string) {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(20_000) });
  return { status: res.status, text: await res.text() };
}

/** Proposes straight into the log, past the HTTP checks. */
function propose(cmd: StoreCommandBody): Promise<StoreResult> {
  return new Promise((resolve, reject) => agent.node().propose(cmd, (r) => (r.ok ? resolve(r.result) : reject(new Error(JSON.stringify(r))))));
}

const lastIndex = () => agent.node().raft()!.lastIndex();

beforeAll(boot, 60_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('store limits: refused before proposing, recorded if proposed anyway', () => {
  it('value size: 413, and a direct put is a refused entry', async () => {
    const before = lastIndex();
    const r = await http('PUT', '/v1/kv/big', 'x'.repeat(KV_MAX_VALUE_CHARS + 1));
    expect(r.status).toBe(413);
    expect(r.text).toMatch(/too large/);
    expect(lastIndex()).toBe(before);
    const res = await propose({ type: 'kv', cmd: { type: 'put', key: 'big', value: 'x'.repeat(KV_MAX_VALUE_CHARS + 1) } });
    expect(res.ok).toBe(false);
    expect(lastIndex()).toBeGreaterThan(before);
    expect((await http('GET', '/v1/kv/big')).status).toBe(404);
  });

  it('transaction ops: one bound (KV_MAX_TXN_OPS) for /v1/txn and the store', async () => {
    const ops = Array.from({ length: KV_MAX_TXN_OPS + 1 }, (_, i) => ({ KV: { Verb: 'set', Key: `t/${i}`, Value: '' } }));
    const before = lastIndex();
    const r = await http('PUT', '/v1/txn', JSON.stringify(ops));
    expect(r.status).toBe(413);
    expect(r.text).toContain(`> ${KV_MAX_TXN_OPS}`);
    expect(lastIndex()).toBe(before);
    expect((await http('PUT', '/v1/txn', JSON.stringify(ops.slice(0, KV_MAX_TXN_OPS)))).status).toBe(200);
    const res = await propose({ type: 'kv.txn', ops: ops.map((_, i) => ({ verb: 'set', key: `u/${i}`, value: '' })) });
    expect(res).toMatchObject({ ok: false, error: expect.stringContaining('too many operations') });
    expect((await http('GET', '/v1/kv/u/0')).status).toBe(404);
  });

  it('keys: 400 at the bound, and a direct put past it is a refused entry', async () => {
    const kv = agent.node().store.kv;
    expect((await http('PUT', '/v1/kv/k1', 'v')).status).toBe(200);
    (kv as { maxKeys: number }).maxKeys = kv.size();
    const before = lastIndex();
    const r = await http('PUT', '/v1/kv/k2', 'v');
    expect(r.status).toBe(400);
    expect(r.text).toContain('kv store full');
    expect(lastIndex()).toBe(before);
    expect(await propose({ type: 'kv', cmd: { type: 'put', key: 'k2', value: 'v' } })).toMatchObject({ result: { type: 'error', reason: expect.stringContaining('kv store full') } });
    expect(agent.node().store.kv.size()).toBe(kv.maxKeys);
  });

  it('sessions: 400 at the bound, and a direct create past it is a refused entry', async () => {
    const s = agent.node().store.sessions;
    expect((await http('PUT', '/v1/session/create', '{"LockDelay":"0s"}')).status).toBe(200);
    (s as { maxSessions: number }).maxSessions = s.size();
    const before = lastIndex();
    const r = await http('PUT', '/v1/session/create', '{"LockDelay":"0s"}');
    expect(r.status).toBe(400);
    expect(r.text).toContain('too many sessions');
    expect(lastIndex()).toBe(before);
    const res = await propose({ type: 'session.create', input: { node: 'lim' } });
    expect(res).toMatchObject({ ok: false, error: expect.stringContaining('too many sessions') });
    expect(s.size()).toBe(s.maxSessions);
  });

  it('tree nodes: a create at the bound is refused (BadArguments) at apply, alike on replay', async () => {
    const tree = agent.node().store.tree;
    const zs = await propose({ type: 'zk.session.create', timeoutUs: 30_000_000 });
    expect(zs.ok).toBe(true);
    const session = (zs as { session: string }).session;
    const created = await propose({ type: 'zk.op', session, op: { op: 'create', path: '/a', data: '', mode: 'persistent' } });
    expect(created).toMatchObject({ ok: true, result: { ok: true } });
    (tree as { maxNodes: number }).maxNodes = tree.size();
    const res = await propose({ type: 'zk.op', session, op: { op: 'create', path: '/b', data: '', mode: 'persistent' } });
    expect(res).toMatchObject({ ok: true, result: { ok: false, error: 'BadArguments' } });
    expect(tree.size()).toBe(tree.maxNodes);
  });

  it('the node comes back across a restart that replays every refused entry', async () => {
    const last = lastIndex();
    await agent.stop();
    await boot();
    expect(lastIndex()).toBeGreaterThanOrEqual(last);
    await waitUntil(() => agent.node().replicator.appliedIndex() >= last, 'the log replayed');
    // The entries refused for real bounds stay refused on replay.
    expect((await http('GET', '/v1/kv/big')).status).toBe(404);
    expect((await http('GET', '/v1/kv/u/0')).status).toBe(404);
    expect((await http('GET', '/v1/kv/t/0')).status).toBe(200);
    expect((await http('PUT', '/v1/kv/after', 'ok')).status).toBe(200);
  });
});
