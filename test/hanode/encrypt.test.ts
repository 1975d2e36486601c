/**
 * A shared key seals gossip and Raft (AES-256-GCM in src/net-real): agents with the key form
 * a cluster; an agent with another key cannot join it (its packets fail authentication).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { waitUntil } from '../../src/hanode/launcher.ts';

const agents: Agent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

function mk(node: string, key: string, join?: string): Agent {
  const a = new Agent({ node, encrypt: key, bootstrapExpect: 2, aclDefaultPolicy: 'allow', ...(join ? { join: [join] } : {}), bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  agents.push(a);
  return a;
}

describe('--encrypt', () => {
  it('same key: a cluster; another key: kept out', async () => {
    const key = randomBytes(32).toString('base64');
    const a = mk('e1', key);
    const aAddr = await a.start();
    const b = mk('e2', key, aAddr.serf);
    await b.start();
    await waitUntil(() => a.node().replicator.leader() !== undefined && a.node().replicator.leader() === b.node().replicator.leader(), 'an encrypted cluster to elect');
    const res = await fetch(`http://${aAddr.http}/v1/kv/secret`, { method: 'PUT', body: 'v' });
    expect(res.status).toBe(200);
    const intruder = mk('e3', randomBytes(32).toString('base64'), aAddr.serf);
    await intruder.start();
    // Wait on evidence that the intruder tried (its datagrams were refused), not on a clock.
    await waitUntil(() => a.host.udp.stats.droppedBadAuth > 0, 'the intruder\'s gossip to be refused');
    expect(a.node().members().map((m) => m.node).sort()).toEqual(['e1', 'e2']);
    expect(intruder.node().members().map((m) => m.node)).toEqual(['e3']);
    expect(a.host.udp.stats.droppedBadAuth).toBeGreaterThan(0);
  }, 180_000);
});
