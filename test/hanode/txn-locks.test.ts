/**
 * /v1/txn with Consul's lock / unlock / check-session verbs against a --dev agent (real Raft,
 * real HTTP on 127.0.0.1): one Raft entry per transaction, all or nothing, 409 with every
 * failing OpIndex, LockIndex / Session exactly as ?acquire= / ?release= set them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { waitUntil } from '../support/patience.ts';

let agent: Agent;
let base: string;

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function req(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, text, json: json as any };
}

const waitFor = (cond: () => boolean, what: string): Promise<void> => waitUntil(cond, what);

async function session(lockDelay = '0s'): Promise<string> {
  const r = await req('PUT', '/v1/session/create', { LockDelay: lockDelay });
  expect(r.status).toBe(200);
  return r.json.ID as string;
}

async function getKv(key: string) {
  const r = await req('GET', `/v1/kv/${key}`);
  return r.status === 404 ? undefined : r.json[0];
}

beforeAll(async () => {
  agent = new Agent({ node: 'txn1', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  const addrs = await agent.start();
  base = `http://${addrs.http}`;
  await waitFor(() => agent.node().replicator.isLeader(), 'dev leader');
  await waitFor(() => agent.node().store.catalog.checkStatus('txn1', 'serfHealth') === 'passing', 'self in catalog');
}, 180_000);

afterAll(async () => {
  await agent?.stop();
});

describe('/v1/txn lock verbs', () => {
  it('lock takes the key (LockIndex 1, Session), returns it with Value null; check-session then passes', async () => {
    const s1 = await session();
    const r = await req('PUT', '/v1/txn', [
      { KV: { Verb: 'lock', Key: 'svc/leader', Value: b64('n1'), Flags: 42, Session: s1 } },
      { KV: { Verb: 'check-session', Key: 'svc/leader', Session: s1 } },
      { KV: { Verb: 'get', Key: 'svc/leader' } },
    ]);
    expect(r.status).toBe(200);
    expect(r.json.Errors).toBeNull();
    expect(r.json.Results).toHaveLength(3);
    expect(r.json.Results[0].KV).toMatchObject({ Key: 'svc/leader', Value: null, Flags: 42, LockIndex: 1, Session: s1 });
    expect(r.json.Results[1].KV).toMatchObject({ Key: 'svc/leader', Value: null, Session: s1 });
    expect(r.json.Results[2].KV).toMatchObject({ Value: b64('n1'), LockIndex: 1 });
    expect(await getKv('svc/leader')).toMatchObject({ Session: s1, LockIndex: 1, Value: b64('n1') });
  });

  it('a lock held by another session: 409, the earlier set rolled back', async () => {
    const s1 = await session();
    const s2 = await session();
    expect((await req('PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: 'held', Session: s1 } }])).status).toBe(200);
    const r = await req('PUT', '/v1/txn', [
      { KV: { Verb: 'set', Key: 'held-side', Value: b64('x') } },
      { KV: { Verb: 'lock', Key: 'held', Value: b64('y'), Session: s2 } },
    ]);
    expect(r.status).toBe(409);
    expect(r.json).toEqual({ Results: null, Errors: [{ OpIndex: 1, What: 'failed to lock key "held", lock is already held' }] });
    expect(await getKv('held-side')).toBeUndefined();
    expect((await getKv('held')).Session).toBe(s1);
  });

  it('a failing check-session rolls back the whole txn and names its index', async () => {
    const s1 = await session();
    const s2 = await session();
    await req('PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: 'guard', Session: s1 } }]);
    const r = await req('PUT', '/v1/txn', [
      { KV: { Verb: 'set', Key: 'guarded/a', Value: b64('1') } },
      { KV: { Verb: 'check-session', Key: 'guard', Session: s2 } },
      { KV: { Verb: 'check-session', Key: 'no-such-key', Session: s2 } },
    ]);
    expect(r.status).toBe(409);
    expect(r.json.Errors).toEqual([
      { OpIndex: 1, What: `failed session check for key "guard", current session "${s1}" != "${s2}"` },
      { OpIndex: 2, What: 'failed to check session, key "no-such-key" doesn\'t exist' },
    ]);
    expect(await getKv('guarded/a')).toBeUndefined();
  });

  it('unlock by the holder frees the key (LockIndex kept), a new holder gets LockIndex 2; ?acquire shares the counter', async () => {
    const s1 = await session();
    const s2 = await session();
    await req('PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: 'cycle', Value: b64('a'), Session: s1 } }]);
    const bad = await req('PUT', '/v1/txn', [{ KV: { Verb: 'unlock', Key: 'cycle', Session: s2 } }]);
    expect(bad.status).toBe(409);
    expect(bad.json.Errors[0].What).toBe('failed to unlock key "cycle", lock isn\'t held, or is held by another session');
    const un = await req('PUT', '/v1/txn', [{ KV: { Verb: 'unlock', Key: 'cycle', Value: b64('free'), Session: s1 } }]);
    expect(un.status).toBe(200);
    expect(un.json.Results[0].KV).toMatchObject({ LockIndex: 1, Value: null });
    expect(un.json.Results[0].KV.Session).toBeUndefined();
    const again = await req('PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: 'cycle', Session: s2 } }]);
    expect(again.json.Results[0].KV).toMatchObject({ LockIndex: 2, Session: s2 });
    expect((await req('PUT', `/v1/kv/cycle?release=${s2}`, 'v')).json).toBe(true);
    expect((await req('PUT', `/v1/kv/cycle?acquire=${s1}`, 'v')).json).toBe(true);
    expect((await getKv('cycle')).LockIndex).toBe(3);
  });

  it('lock-delay after a session is destroyed fails a txn lock', async () => {
    const s1 = await session('15s');
    const s2 = await session();
    await req('PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: 'delayed', Session: s1 } }]);
    expect((await req('PUT', `/v1/session/destroy/${s1}`)).status).toBe(200);
    const r = await req('PUT', '/v1/txn', [{ KV: { Verb: 'lock', Key: 'delayed', Session: s2 } }]);
    expect(r.status).toBe(409);
    expect(r.json.Errors).toEqual([{ OpIndex: 0, What: 'failed to lock key "delayed" due to lock delay' }]);
  });

  it('the other verbs keep Consul shapes; malformed bodies are 400, too many ops 413', async () => {
    const set = await req('PUT', '/v1/txn', [
      { KV: { Verb: 'set', Key: 'o/a', Value: b64('1') } },
      { KV: { Verb: 'cas', Key: 'o/b', Value: b64('2'), Index: 0 } },
      { KV: { Verb: 'get-tree', Key: 'o/' } },
    ]);
    expect(set.status).toBe(200);
    expect(set.json.Results.map((x: { KV: { Key: string; Value: string | null } }) => [x.KV.Key, x.KV.Value])).toEqual([
      ['o/a', null],
      ['o/b', null],
      ['o/a', b64('1')],
      ['o/b', b64('2')],
    ]);
    const m = set.json.Results[0].KV.ModifyIndex as number;
    const ci = await req('PUT', '/v1/txn', [{ KV: { Verb: 'check-index', Key: 'o/a', Index: m } }, { KV: { Verb: 'delete-tree', Key: 'o/' } }]);
    expect(ci.status).toBe(200);
    expect(ci.json.Results).toEqual([{ KV: expect.objectContaining({ Key: 'o/a', Value: null, ModifyIndex: m }) }]);
    expect(await getKv('o/a')).toBeUndefined();
    const unknown = await req('PUT', '/v1/txn', [{ KV: { Verb: 'nope', Key: 'k' } }]);
    expect(unknown.status).toBe(409);
    expect(unknown.json.Errors).toEqual([{ OpIndex: 0, What: 'unknown KV verb "nope"' }]);
    expect((await req('PUT', '/v1/txn', [{ KV: { Verb: 'set', Key: 'k', Value: '***' } }])).status).toBe(400);
    expect((await req('PUT', '/v1/txn', '[{"KV":')).status).toBe(400);
    const many = Array.from({ length: 65 }, (_, i) => ({ KV: { Verb: 'set', Key: `m${i}` } }));
    expect((await req('PUT', '/v1/txn', many)).status).toBe(413);
  });
});
