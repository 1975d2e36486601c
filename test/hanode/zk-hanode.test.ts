/**
 * ZooKeeper clients against three real hanode processes (`--zk`): the npm
 * `node-zookeeper-client`, unmodified, plus a bare wire client for the ops it lacks. The
 * client script (zk-script.ts) must give exactly the transcript ZooKeeper 3.8 gives
 * (zk-expected.ts): versions, sequential names, ephemerals gone on close and on expiry (not
 * before), watches once and in order, all-or-nothing multi, the lock and election recipes,
 * a session resumed on another server. Then: a client whose server is killed moves to
 * another with its session, ephemerals and watches; garbage on the port is counted and
 * closed, and the server goes on serving.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, kill9, killAll, waitUntil, type Proc } from '../../src/hanode/launcher.ts';
import { Mode, Zk } from './zk-client.ts';
import { startZkCluster } from './zk-cluster.ts';
import { ZOOKEEPER_38_TRANSCRIPT } from './zk-expected.ts';
import { RawZk } from './zk-raw-client.ts';
import { zkScript } from './zk-script.ts';

let root: string;
let nodes: Proc[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hanode-zk-'));
  nodes = await startZkCluster(root);
}, 180_000);

afterAll(async () => {
  await killAll();
  if (root) rmSync(root, { recursive: true, force: true });
}, 180_000);

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

async function counter(p: Proc, name: string): Promise<number> {
  const body = (await getJson(p.http, '/v1/agent/metrics')).body as { Counters: { Name: string; Count: number }[] };
  return body.Counters.find((c) => c.Name === name)?.Count ?? 0;
}

describe('node-zookeeper-client against a 3-node hanode', () => {
  it('the client script gives the transcript ZooKeeper 3.8 gives', async () => {
    const got = await zkScript(nodes.map((p) => p.zk), { expiryTimeoutMs: 4000 });
    const expected = new Map(ZOOKEEPER_38_TRANSCRIPT.map(([k, v]) => [k, json(v)]));
    // Entry by entry first, so a failure names the step.
    for (const [k, v] of got) expect([k, json(v)]).toEqual([k, expected.get(k)]);
    expect(got.map(([k]) => k)).toEqual(ZOOKEEPER_38_TRANSCRIPT.map(([k]) => k));
  }, 180_000);

  it('garbage on the ZooKeeper port is counted and closed; the server goes on serving', async () => {
    const p = nodes[0]!;
    const before = await counter(p, 'hanode.zk.bad_frames');
    const [host, port] = [p.zk.slice(0, p.zk.lastIndexOf(':')), Number(p.zk.slice(p.zk.lastIndexOf(':') + 1))];
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host, () => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])));
      s.on('close', () => resolve(true));
      s.on('error', () => {});
      setTimeout(() => resolve(false), 10_000).unref();
    });
    expect(closed).toBe(true);
    await waitUntil(async () => (await counter(p, 'hanode.zk.bad_frames')) === before + 1, 'the bad frame counted');
    const z = await Zk.connect(p.zk);
    expect((await z.create('/after-garbage', 'ok')).ok).toBe(true);
    z.close();
  }, 180_000);

  it('a client that has seen a newer zxid than the server is refused (its session never goes back)', async () => {
    const z = await RawZk.connect(nodes[0]!.zk, 6000);
    const seen = (await z.request(3, (w) => w.ustring('/').bool(false))).zxid;
    expect(seen).toBeGreaterThan(0n);
    await z.close();
    // The same server, as if the client had read zxid seen + 10^9 elsewhere: no ConnectResponse, the connection closes.
    const ahead = await new Promise<string>((resolve) => {
      const s = net.connect(Number(nodes[0]!.zk.split(':')[1]), '127.0.0.1');
      let got = 0;
      s.on('connect', () => {
        const b = Buffer.alloc(4 + 4 + 8 + 4 + 8 + 4 + 16);
        b.writeInt32BE(b.length - 4, 0);
        b.writeBigInt64BE(seen + 1_000_000_000n, 8);
        b.writeInt32BE(6000, 16);
        b.writeInt32BE(16, 28);
        s.write(b);
      });
      s.on('data', (d) => (got += d.length));
      s.on('close', () => resolve(got === 0 ? 'closed without an answer' : `answered ${got} bytes`));
      s.on('error', () => {});
      setTimeout(() => resolve('still open'), 15_000).unref();
    });
    expect(ahead).toBe('closed without an answer');
  }, 60_000);

  it('four-letter words: ruok answers imok, srvr names the mode (one leader)', async () => {
    const ask = (addr: string, cmd: string) =>
      new Promise<string>((resolve) => {
        const s = net.connect(Number(addr.split(':')[1]), '127.0.0.1', () => s.write(cmd));
        let got = '';
        s.on('data', (d) => (got += d.toString()));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
        setTimeout(() => s.destroy(), 10_000).unref();
      });
    expect(await ask(nodes[0]!.zk, 'ruok')).toBe('imok');
    const modes = await Promise.all(nodes.map(async (p) => /^Mode: (\w+)$/m.exec(await ask(p.zk, 'srvr'))?.[1]));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
  }, 60_000);

  it('a bad --zk address: one line on stderr, exit 2', () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'hanode.js'), 'agent', '--dev', '--zk', 'nowhere'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['hanode agent: bad --zk "nowhere": want ADDR:PORT']);
  }, 60_000);

  it('a client whose server (the leader) is killed moves to another with its session, ephemeral and watches', async () => {
    // The victim is the Raft leader: the client must move, and writes resume once a new leader is elected.
    const leaderAddr = (await getJson(nodes[0]!.http, '/v1/status/leader')).body;
    const victim = nodes.find((p) => p.raft === leaderAddr)!;
    expect(victim).toBeDefined();
    const rest = nodes.filter((p) => p !== victim);
    // The victim first in the list: the client connects there, and moves on when it dies.
    const z = await Zk.connect([victim, ...rest].map((p) => p.zk).join(','), { timeoutMs: 10_000 });
    const other = await Zk.connect(rest[0]!.zk);
    try {
      const id = z.session().id;
      expect((await z.create('/moving', 'x', Mode.EPHEMERAL)).ok).toBe(true);
      expect((await z.create('/moved-flag', '0')).ok).toBe(true);
      expect((await z.getData('/moved-flag', 'data')).ok).toBe(true);
      await kill9(victim);
      // Changed while the client is between servers: SetWatches on reconnect fires it.
      await waitUntil(async () => (await other.exists('/moved-flag')).ok, 'the flag on another server');
      // The victim may have been the leader: writes fail (ConnectionLoss) until a new one is elected.
      await waitUntil(async () => (await other.setData('/moved-flag', '1')).ok, 'a write after the kill');
      await waitUntil(() => z.events.length > 0, 'the data watch to fire after the move');
      expect(z.events).toEqual(['data:NODE_DATA_CHANGED@/moved-flag']);
      expect(z.session().id.equals(id)).toBe(true);
      const e = await z.exists('/moving');
      expect(e.ok && e.value?.ephemeral).toBe(true);
      expect(await z.getData('/moved-flag')).toMatchObject({ ok: true, value: { data: '1' } });
    } finally {
      z.close();
      other.close();
    }
  }, 180_000);
});
