/**
 * Shard failover on real processes (the figures beside bench/shard-failover.ts, which
 * measures the same in the simulator): 3 hanode servers, 2 groups x (primary + standby) of
 * `hanode shard` processes, one writer through HTTP. A primary that is not the master is
 * killed with SIGKILL: kill -> standby promoted (the master's stored placement names it),
 * kill -> the group's first acknowledged write again. Then the master is killed: kill -> a
 * new master holds the placement, kill -> every group served under it. Acknowledged writes
 * lost (must be 0).
 * Run: node bin/run-ts.js bench/shard-real-failover.ts   (one run: ~2 minutes on a busy box)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashRing } from '../src/core/shard/index.ts';
import { kill9, killAll, waitUntil } from '../src/hanode/launcher.ts';
import { restartShard, stopAllShards } from '../src/hanode/shard/procs.ts';
import { GROUPS, masterStatus, readBack, startShardCluster, waitSettled, Writer } from '../test/hanode/shard-cluster.ts';

const root = mkdtempSync(join(tmpdir(), 'bench-shard-real-'));
const s = (msDelay: number): string => (msDelay / 1000).toFixed(3);
try {
  const c = await startShardCluster(root);
  const first = await waitSettled(c, 'a settled placement');
  const writer = new Writer(c, 'b');
  writer.start();
  await waitUntil(() => writer.acked.size >= 50, '50 writes', 120_000);

  const conf = first.placement!.configs.find((x) => x.primary !== first.name)!;
  const ring = new HashRing(first.placement!.ring.groups);
  const victim = c.shards.get(conf.primary!)!;
  await kill9(victim);
  const killedAt = Date.now();
  let promotedAt = 0;
  await waitUntil(async () => {
    const g = (await masterStatus(c))?.placement?.configs.find((x) => x.group === conf.group);
    if (g?.primary === undefined || g.primary === victim.name) return false;
    promotedAt = Date.now();
    return true;
  }, 'the promotion', 120_000);
  await waitUntil(() => writer.ackLog.some((a) => a.atMs > killedAt && ring.lookup(a.key) === conf.group), `a write to ${conf.group} again`, 120_000);
  const writableAt = writer.ackLog.find((a) => a.atMs > killedAt && ring.lookup(a.key) === conf.group)!.atMs;

  c.shards.set(victim.name, await restartShard(victim));
  const back = await waitSettled(c, 'the killed node back as a standby');
  const master = c.shards.get(back.name)!;
  await kill9(master);
  const masterKilledAt = Date.now();
  let masterAt = 0;
  await waitUntil(async () => {
    const m = await masterStatus(c);
    if (!m || m.name === master.name) return false;
    masterAt = Date.now();
    return true;
  }, 'a new master', 120_000);
  await waitUntil(async () => {
    const p = (await masterStatus(c))?.placement;
    return !!p && Object.keys(GROUPS).every((g) => {
      const x = p.configs.find((y) => y.group === g);
      return x?.primary !== undefined && x.primary !== master.name;
    });
  }, 'every group served', 120_000);
  const servedAt = Date.now();
  await writer.stop();
  const lost = await readBack(c, writer.acked);

  console.log('shard failover on real processes (s; one run; SIGKILL; dead-after 4 s, ZooKeeper session 4 s)');
  console.log(`kill primary -> standby promoted (master's placement)   ${s(promotedAt - killedAt)}`);
  console.log(`kill primary -> first acknowledged write of its group  ${s(writableAt - killedAt)}`);
  console.log(`kill master  -> a new master holds the placement       ${s(masterAt - masterKilledAt)}`);
  console.log(`kill master  -> every group served under it            ${s(servedAt - masterKilledAt)}`);
  console.log(`acknowledged writes ${writer.acked.size}, lost ${lost.length}, not acknowledged ${writer.failed}`);
  if (lost.length > 0) process.exitCode = 1;
} finally {
  await stopAllShards();
  await killAll();
  rmSync(root, { recursive: true, force: true });
}
