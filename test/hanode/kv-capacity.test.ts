/**
 * The KV key bound over the HTTP API of a dev agent (issue 15, point 3): a PUT of a new key past
 * the bound is answered 400 before anything is proposed, the agent stays up, and existing keys
 * can still be updated. The bound is lowered on the running store for the test (1,000,000 keys
 * is the real one: src/core/kv/store.ts KV_MAX_KEYS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';

let agent: Agent;
let base: string;

async function put(key: string, value: string) {
  const res = await fetch(`${base}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  agent = new Agent({ node: 'cap1', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  base = `http://${(await agent.start()).http}`;
  const deadline = Date.now() + 10_000;
  for (let i = 0; i < 1000 && Date.now() < deadline && !agent.node().replicator.isLeader(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(agent.node().replicator.isLeader()).toBe(true);
});

afterAll(async () => {
  await agent?.stop();
});

describe('PUT past the KV key bound', () => {
  it('is a 400 with the reason, proposes nothing, and the agent keeps serving', async () => {
    const kv = agent.node().store.kv;
    expect((await put('a', '1')).status).toBe(200);
    (kv as { maxKeys: number }).maxKeys = kv.size(); // full now
    const last = agent.node().raft()!.lastIndex();
    const r = await put('b', '1');
    expect(r).toEqual({ status: 400, text: expect.stringContaining(`kv store full (${kv.size()} keys)`) });
    expect(agent.node().raft()!.lastIndex()).toBe(last);
    expect((await put('a', '2')).status).toBe(200);
    const got = await fetch(`${base}/v1/kv/a?raw`);
    expect(await got.text()).toBe('2');
  });
});
