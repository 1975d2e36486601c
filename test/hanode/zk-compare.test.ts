/**
 * The same client script (zk-script.ts) against a real ZooKeeper 3.8 (Debian's `zookeeper`
 * package, standalone) and against three hanode processes: the transcripts must be equal,
 * and equal to the one recorded in zk-expected.ts (so a change in either shows up here).
 * Skips, saying so, where ZooKeeper or java is not installed (CI does not install them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from '../../src/hanode/launcher.ts';
import { startZkCluster } from './zk-cluster.ts';
import { ZOOKEEPER_38_TRANSCRIPT } from './zk-expected.ts';
import { realZooKeeperJar, startRealZooKeeper, type RealZooKeeper } from './zk-real.ts';
import { zkScript } from './zk-script.ts';

const jar = realZooKeeperJar();
if (!jar) console.warn('zk-compare: skipped: Debian zookeeper (/usr/share/java/zookeeper.jar) or java is not installed');

let real: RealZooKeeper | undefined;
let root: string | undefined;

afterAll(async () => {
  await real?.stop();
  await killAll();
  if (root) rmSync(root, { recursive: true, force: true });
}, 180_000);

const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe.skipIf(!jar)('hanode and a real ZooKeeper 3.8 tell the same story', () => {
  it('the client script gives equal transcripts', async () => {
    real = await startRealZooKeeper(jar!);
    const fromZk = json(await zkScript([real.addr], { expiryTimeoutMs: 4000 })) as [string, unknown][];
    await real.stop();
    real = undefined;
    root = mkdtempSync(join(tmpdir(), 'hanode-zkcmp-'));
    const nodes = await startZkCluster(root);
    const fromHanode = json(await zkScript(nodes.map((p) => p.zk), { expiryTimeoutMs: 4000 })) as [string, unknown][];
    const zkMap = new Map(fromZk);
    for (const [k, v] of fromHanode) expect([k, v]).toEqual([k, zkMap.get(k)]);
    expect(fromHanode).toEqual(fromZk);
    expect(fromZk).toEqual(json(ZOOKEEPER_38_TRANSCRIPT));
  }, 300_000);
});
