/**
 * Disk and quorum recovery of real agents: a Raft log whose last record has a flipped byte
 * is detected and cut on start (never replayed); and a cluster that lost its quorum for good
 * comes back through Consul's raft/peers.json.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { getJson, kill9, killAll, putKv, startAgent, waitUntil } from '../../src/hanode/launcher.ts';
import { flipByte } from '../support/bytes.ts';

const root = mkdtempSync(join(tmpdir(), 'hanode-recovery-'));

afterAll(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}, 180_000);


function lastSegment(dataDir: string): string {
  const dir = join(dataDir, 'raft', 'log');
  return join(dir, readdirSync(dir).filter((f) => f.endsWith('.seg')).sort().at(-1)!);
}

describe('log corruption', () => {
  it('a flipped byte in the last log record is detected and cut on start; the node serves again', async () => {
    const dataDir = join(root, 'solo');
    const mk = (log: string[]) =>
      new Agent({ node: 'solo', dataDir, bootstrapExpect: 1, aclDefaultPolicy: 'allow', bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: (l) => log.push(l) });
    const first = mk([]);
    const a1 = await first.start();
    await waitUntil(() => first.node().replicator.isLeader(), 'solo leader');
    for (let i = 0; i < 30; i++) expect(await putKv(a1.http, `k${i}`, `v${i}`)).toBe(200);
    const lastBefore = first.node().raft()!.lastIndex();
    // The data dir is locked against a second agent while the first runs.
    expect(() => mk([])).toThrow(/lock/i);
    await first.stop();

    // Flip one byte inside the last record's payload.
    const seg = lastSegment(dataDir);
    const bytes = readFileSync(seg);
    flipByte(bytes, bytes.length - 2);
    writeFileSync(seg, bytes);
    expect(statSync(seg).size).toBe(bytes.length);

    const log: string[] = [];
    const second = mk(log);
    const a2 = await second.start();
    try {
      expect(log.join('\n')).toMatch(/\[WARN\] storage raft: cut/);
      await waitUntil(() => second.node().replicator.isLeader(), 'solo leader again');
      // Exactly the corrupt record is gone: the log resumed one entry earlier (then the new term's no-op).
      expect(second.node().raft()!.lastIndex()).toBeGreaterThanOrEqual(lastBefore);
      for (let i = 0; i < 28; i++) {
        const r = await getJson(a2.http, `/v1/kv/k${i}`);
        expect(r.status, `k${i}`).toBe(200);
      }
      expect(await putKv(a2.http, 'after', 'ok')).toBe(200);
    } finally {
      await second.stop();
    }
  }, 180_000);
});

describe('recovery without quorum (raft/peers.json)', () => {
  it('the last server standing comes back as a cluster of one', async () => {
    const n1 = await startAgent('r1', join(root, 'r1'), ['--bootstrap-expect', '3']);
    const others = await Promise.all(['r2', 'r3'].map((n) => startAgent(n, join(root, n), ['--bootstrap-expect', '3', '--join', n1.serf])));
    await waitUntil(async () => (await putKv(n1.http, 'before', 'kept')) === 200, 'a first write');
    await Promise.all(others.map((p) => kill9(p)));
    // No quorum: writes fail (500 once the leader, if it was r1, stepped down; or a timeout).
    await waitUntil(async () => (await putKv(n1.http, 'nope', 'x').catch(() => 0)) !== 200, 'writes to fail without quorum');
    await kill9(n1);
    writeFileSync(join(root, 'r1', 'raft', 'peers.json'), JSON.stringify([{ id: 'r1', address: n1.raft, non_voter: false }]));
    const back = await startAgent('r1', join(root, 'r1'), ['--bootstrap-expect', '3'], { http: n1.http, raft: n1.raft, serf: n1.serf });
    expect(back.log.join('\n')).toMatch(/peers\.json found: recovering the Raft membership to r1/);
    await waitUntil(async () => (await putKv(back.http, 'after', 'ok')) === 200, 'writes after recovery');
    const before = await getJson(back.http, '/v1/kv/before?raw');
    expect(before.body).toBe('kept');
    const conf = (await getJson(back.http, '/v1/operator/raft/configuration')).body as { Servers: { ID: string }[] };
    expect(conf.Servers.map((s) => s.ID)).toEqual(['r1']);
    expect(existsSync(join(root, 'r1', 'raft', 'peers.json'))).toBe(false);
    expect(existsSync(join(root, 'r1', 'raft', 'peers.info'))).toBe(true);
  }, 180_000);
});
