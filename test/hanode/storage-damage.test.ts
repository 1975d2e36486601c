/**
 * Issue 15's recipes on real processes (docs/storage-faults.md): one flipped byte in the middle
 * of a follower's Raft log segment (or its log directory deleted), then a crash of the leader. The follower's disk cuts its log at
 * the damage on start and says so in an ERROR line; the follower must not vote for the third
 * node, which missed the last writes, so no leader can be elected without them, nor serve
 * ?stale reads while it repairs; once the old leader is back every acknowledged write is there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flipMidSegment, removeLogDir } from '../../src/net-real/disk-damage.ts';
import { getJson, kill9, killAll, leaderName, putKv, sleep, startAgent, startCluster3, waitUntil, type Proc } from '../../src/hanode/launcher.ts';

const root = mkdtempSync(join(tmpdir(), 'hanode-storage-damage-'));

afterAll(async () => {
  await killAll();
  rmSync(root, { recursive: true, force: true });
}, 180_000);



const ports = (p: Proc) => ({ http: p.http, raft: p.raft, serf: p.serf });

/**
 * Leader L and follower F acknowledge 40 writes while T is down; F is stopped and its disk
 * damaged, L is killed, F and T come back: they are a majority, but F lost writes and T never had
 * them. Every acknowledged write must be read back once L is back.
 */
async function recipe(tag: string, damage: (dataDir: string) => void, logLine: RegExp): Promise<void> {
  const nodes = await startCluster3(tag, (n) => join(root, tag, n.slice(tag.length)));
  const byName = new Map(nodes.map((p) => [p.name, p]));
  const L = byName.get((await leaderName(nodes))!)!;
  const [F, T] = nodes.filter((p) => p !== L) as [Proc, Proc];
  await waitUntil(async () => (await putKv(L.http, 'early', 'x')) === 200, 'a first write');

  // T misses the writes; L and F acknowledge them.
  await kill9(T);
  const acked: string[] = [];
  for (let i = 0; i < 40; i++) {
    if ((await putKv(L.http, `k${i}`, `v${i}`)) === 200) acked.push(`k${i}`);
  }
  expect(acked.length).toBeGreaterThan(30);

  await kill9(F);
  damage(F.dataDir);
  await kill9(L);
  const F2 = await startAgent(F.name, F.dataDir, ['--bootstrap-expect', '3', '--join', T.serf], ports(F));
  const T2 = await startAgent(T.name, T.dataDir, ['--bootstrap-expect', '3', '--join', F.serf], ports(T));
  expect(F2.log.join('\n')).toMatch(logLine);

  // F and T are a majority, but F lost writes and T never had them: no leader may be elected.
  await sleep(4000);
  expect(await leaderName([F2, T2])).toBeUndefined();
  // Nor does the damaged node serve what it still has as if it were whole.
  expect((await getJson(F2.http, '/v1/kv/early?stale')).status).toBe(500);

  const L2 = await startAgent(L.name, L.dataDir, ['--bootstrap-expect', '3', '--join', F.serf], ports(L));
  await waitUntil(async () => (await leaderName([L2, F2, T2])) !== undefined, 'a leader once the old leader is back');
  await waitUntil(async () => (await putKv(L2.http, 'after', 'ok')) === 200, 'a write after');
  for (const k of acked) {
    const r = await getJson(L2.http, `/v1/kv/${k}?raw`);
    expect(r.status, k).toBe(200);
    expect(r.body, k).toBe(`v${k.slice(1)}`);
  }
  await Promise.all([L2, F2, T2].map((p) => kill9(p)));
}

describe('a follower whose disk lost acknowledged writes', () => {
  it('one byte flipped mid-segment: no leader without the writes is elected; after the leader returns none is lost', async () => {
    await recipe('m', (d) => void flipMidSegment(d), /\[ERROR\] storage raft: synced records damaged .* at offset \d+ .*log indices \d+\.\.\d+ lost on this node/);
  }, 180_000);

  it('its log directory deleted (state kept): the same, never served as a fresh empty log', async () => {
    await recipe('d', removeLogDir, /\[ERROR\] storage raft: the log directory is gone/);
  }, 180_000);
});
