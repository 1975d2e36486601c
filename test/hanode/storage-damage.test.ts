/**
 * Issue 15's recipe on real processes (docs/storage-faults.md): one flipped byte in the middle of
 * a follower's Raft log segment, then a crash of the leader. The follower's disk cuts its log at
 * the damage on start and says so in an ERROR line; the follower must not vote for the third
 * node, which missed the last writes, so no leader can be elected without them; once the old
 * leader is back every acknowledged write is there.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, kill9, killAll, sleep, startAgent, waitUntil, type Proc } from '../../src/hanode/launcher.ts';

const root = mkdtempSync(join(tmpdir(), 'hanode-storage-damage-'));

afterAll(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}, 180_000);

async function put(http: string, key: string, value: string): Promise<number> {
  const res = await fetch(`http://${http}/v1/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(3000) });
  await res.text();
  return res.status;
}

async function leaderName(via: readonly Proc[]): Promise<string | undefined> {
  for (const p of via) {
    try {
      const conf = (await getJson(p.http, '/v1/operator/raft/configuration?stale')).body as { Servers: { Node: string; Leader: boolean }[] };
      const l = conf.Servers.find((s) => s.Leader);
      if (l) return l.Node;
    } catch {
      // down
    }
  }
  return undefined;
}

function flipMidSegment(dataDir: string): void {
  const dir = join(dataDir, 'raft', 'log');
  const segs = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
  const seg = join(dir, segs.at(-1)!);
  const bytes = readFileSync(seg);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  writeFileSync(seg, bytes);
}

const ports = (p: Proc) => ({ http: p.http, raft: p.raft, serf: p.serf });

describe('a follower whose log segment rots mid-log', () => {
  it('does not vote a leader without the acknowledged writes into office; after the leader returns none is lost', async () => {
    const n1 = await startAgent('n1', join(root, 'n1'), ['--bootstrap-expect', '3', '--join', '127.0.0.1:1']);
    const rest = await Promise.all(['n2', 'n3'].map((n) => startAgent(n, join(root, n), ['--bootstrap-expect', '3', '--join', n1.serf])));
    const nodes = [n1, ...rest];
    const byName = new Map(nodes.map((p) => [p.name, p]));
    await waitUntil(async () => (await leaderName(nodes)) !== undefined, 'a leader');
    const L = byName.get((await leaderName(nodes))!)!;
    const [F, T] = nodes.filter((p) => p !== L) as [Proc, Proc];
    await waitUntil(async () => (await put(L.http, 'early', 'x')) === 200, 'a first write');

    // T misses the writes; L and F acknowledge them.
    await kill9(T);
    const acked: string[] = [];
    for (let i = 0; i < 40; i++) {
      if ((await put(L.http, `k${i}`, `v${i}`)) === 200) acked.push(`k${i}`);
    }
    expect(acked.length).toBeGreaterThan(30);

    await kill9(F);
    flipMidSegment(F.dataDir);
    await kill9(L);
    const F2 = await startAgent(F.name, F.dataDir, ['--bootstrap-expect', '3', '--join', T.serf], ports(F));
    const T2 = await startAgent(T.name, T.dataDir, ['--bootstrap-expect', '3', '--join', F.serf], ports(T));
    expect(F2.log.join('\n')).toMatch(/\[ERROR\] storage raft: synced records damaged .* at offset \d+ .*log indices \d+\.\.\d+ lost on this node/);

    // F and T are a majority, but F lost writes and T never had them: no leader may be elected.
    await sleep(4000);
    expect(await leaderName([F2, T2])).toBeUndefined();

    const L2 = await startAgent(L.name, L.dataDir, ['--bootstrap-expect', '3', '--join', F.serf], ports(L));
    await waitUntil(async () => (await leaderName([L2, F2, T2])) !== undefined, 'a leader once the old leader is back');
    await waitUntil(async () => (await put(L2.http, 'after', 'ok')) === 200, 'a write after');
    for (const k of acked) {
      const r = await getJson(L2.http, `/v1/kv/${k}?raw`);
      expect(r.status, k).toBe(200);
      expect(r.body, k).toBe(`v${k.slice(1)}`);
    }
  }, 180_000);
});
