/**
 * The sharded store on real processes (issue 20, point 4): 3 hanode servers run the tree,
 * 2 groups x (primary + standby) of `hanode shard` processes, each also a master candidate.
 * Under a stream of writes:
 *  1. kill -9 a primary that is not the master: the master promotes its standby, republishes
 *     the ring (the new primary in ring.primaries), and writes go on;
 *  2. the killed node restarts from its data dir and rejoins as a synced standby;
 *  3. kill -9 the master: another candidate is elected through the tree, takes over the
 *     stored placement, replaces the dead node's role, and writes go on;
 *  4. every acknowledged write reads back with its value (0 lost).
 * Before the faults, `hanode shard-client` puts and gets a key (routed by the stored ring).
 * No timing is asserted (bench/shard-real-failover.ts prints the promotion time).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill9, killAll, waitUntil } from '../../src/hanode/launcher.ts';
import { restartShard, shardStatus, stopAllShards } from '../../src/hanode/shard/procs.ts';
import { alive, GROUPS, masterStatus, readBack, startShardCluster, waitSettled, Writer, type ShardCluster } from './shard-cluster.ts';

let root: string;
let cluster: ShardCluster;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hanode-shard-'));
  cluster = await startShardCluster(root);
}, 240_000);

afterAll(async () => {
  try {
    await stopAllShards();
  } finally {
    await killAll();
    if (root) rmSync(root, { recursive: true, force: true });
  }
}, 120_000);

function shardClient(c: ShardCluster, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'hanode.js');
  return spawnSync(process.execPath, [bin, 'shard-client', ...args, ...c.coordArgs], { encoding: 'utf8', timeout: 120_000 });
}

/** Writes acknowledged after a point must keep coming: at least this many (a bound, not a speed). */
const MORE_WRITES = 20;

describe('sharded store on real processes', () => {
  it('a killed primary is replaced, a killed master too, and no acknowledged write is lost', async () => {
    const c = cluster;
    const first = await waitSettled(c, 'both groups placed with a synced standby and a ring of both');
    // The command-line client: the ring and the primary from the tree, then the primary's HTTP.
    const put = shardClient(c, ['put', 'cli-key', 'cli-value']);
    expect(put.stderr).toBe('');
    expect(put.status).toBe(0);
    const got = shardClient(c, ['get', 'cli-key']);
    expect([got.status, got.stdout]).toEqual([0, 'cli-value\n']);
    expect(shardClient(c, ['get', 'never-written']).status).toBe(1);
    const writer = new Writer(c, 'k');
    writer.start();
    try {
      await waitUntil(() => writer.acked.size >= MORE_WRITES, `${MORE_WRITES} acknowledged writes`, 120_000);

      // 1. kill -9 a primary that is not the master.
      const conf = first.placement!.configs.find((x) => x.primary !== first.name)!;
      const victim = c.shards.get(conf.primary!)!;
      await kill9(victim);
      const killedAt = Date.now();
      await waitUntil(async () => {
        const m = await masterStatus(c);
        const g = m?.placement?.configs.find((x) => x.group === conf.group);
        return g?.primary !== undefined && g.primary !== victim.name && m!.placement!.ring.primaries[conf.group] === g.primary;
      }, `the standby of ${conf.group} promoted and the ring republished`, 120_000);
      const promotedAt = Date.now();
      const promoted = (await masterStatus(c))!.placement!.configs.find((x) => x.group === conf.group)!.primary!;
      expect(promoted).not.toBe(victim.name);
      expect((GROUPS as Record<string, readonly string[]>)[conf.group]).toContain(promoted);
      // The republished ring reached the data nodes (the new primary holds it).
      await waitUntil(async () => (await shardStatus(c.shards.get(promoted)!)).ring?.primaries[conf.group] === promoted, 'the new ring on the new primary', 120_000);
      console.log(`shard-real: ${conf.group} primary ${victim.name} killed; ${promoted} promoted after ${promotedAt - killedAt} ms`);
      await waitUntil(() => writer.ackedSince(promotedAt) >= MORE_WRITES, 'writes after the promotion', 120_000);

      // 2. the killed node comes back from its data dir and is synced in as a standby.
      c.shards.set(victim.name, await restartShard(victim));
      const back = await waitSettled(c, `${victim.name} back as an in-sync standby`);
      expect(back.placement!.configs.find((x) => x.group === conf.group)!.standbys).toEqual([victim.name]);

      // 3. kill -9 the master.
      const oldMaster = c.shards.get(back.name)!;
      await kill9(oldMaster);
      const masterKilledAt = Date.now();
      await waitUntil(async () => {
        const m = await masterStatus(c);
        return m !== undefined && m.name !== oldMaster.name;
      }, 'a new master', 120_000);
      await waitUntil(async () => {
        const m = await masterStatus(c);
        const p = m?.placement;
        return p !== undefined && p !== null && Object.keys(GROUPS).every((g) => {
          const x = p.configs.find((y) => y.group === g);
          return x?.primary !== undefined && x.primary !== oldMaster.name && p.ring.primaries[g] === x.primary;
        });
      }, 'every group served by a live primary under the new master', 120_000);
      const newMaster = (await masterStatus(c))!.name;
      console.log(`shard-real: master ${oldMaster.name} killed; ${newMaster} acting with every group served after ${Date.now() - masterKilledAt} ms`);
      expect(newMaster).not.toBe(oldMaster.name);
      const since = Date.now();
      await waitUntil(() => writer.ackedSince(since) >= MORE_WRITES, 'writes under the new master', 120_000);
    } finally {
      await writer.stop();
    }

    // 4. every acknowledged write is there.
    expect(writer.acked.size).toBeGreaterThan(3 * MORE_WRITES);
    const lost = await readBack(c, writer.acked);
    console.log(`shard-real: ${writer.acked.size} acknowledged writes read back, ${lost.length} lost; ${writer.failed} puts not acknowledged`);
    expect(lost).toEqual([]);
    expect([...c.shards.values()].filter(alive).length).toBe(3);
  }, 600_000);
});
