/**
 * The same client script (zk-script.ts) against a real ZooKeeper 3.8 (Debian's `zookeeper`
 * package, standalone) and against three hanode processes: the transcripts must be equal,
 * and equal to the one recorded in zk-expected.ts (so a change in either shows up here).
 * Skips, saying so, where ZooKeeper or java is not installed (CI does not install them).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, type Proc } from '../../src/hanode/launcher.ts';
import { startZkCluster } from './zk-cluster.ts';
import { ZOOKEEPER_38_TRANSCRIPT } from './zk-expected.ts';
import { realZooKeeperJar, startRealZooKeeper, type RealZooKeeper } from './zk-real.ts';
import { zkScript } from './zk-script.ts';

const jar = realZooKeeperJar();
if (!jar) console.warn('zk-compare: skipped: Debian zookeeper (/usr/share/java/zookeeper.jar) or java is not installed');

let real: RealZooKeeper | undefined;
let root: string | undefined;
let nodes: Proc[] = [];

/** One zkCli command (ZooKeeper's own Java client, ZooKeeperMain) against `server`: its output lines. */
function zkCli(server: string, ...cmd: string[]): string[] {
  const r = spawnSync('java', ['-cp', `${jar}:/etc/zookeeper/conf`, 'org.apache.zookeeper.ZooKeeperMain', '-server', server, ...cmd], { encoding: 'utf8', timeout: 60_000 });
  return `${r.stdout}${r.stderr}`.split('\n').filter((l) => l !== '' && !/^SLF4J|^WATCHER|^WatchedEvent|^Connecting to/.test(l));
}

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
    nodes = await startZkCluster(root);
    const fromHanode = json(await zkScript(nodes.map((p) => p.zk), { expiryTimeoutMs: 4000 })) as [string, unknown][];
    const zkMap = new Map(fromZk);
    for (const [k, v] of fromHanode) expect([k, v]).toEqual([k, zkMap.get(k)]);
    expect(fromHanode).toEqual(fromZk);
    expect(fromZk).toEqual(json(ZOOKEEPER_38_TRANSCRIPT));
  }, 300_000);

  it("ZooKeeper's own Java client (zkCli) works against hanode", () => {
    if (nodes.length === 0) throw new Error('the hanode cluster did not start in the previous test');
    const [a, b, c] = nodes.map((p) => p.zk) as [string, string, string];
    expect(zkCli(a, 'create', '/java', 'hello')).toEqual(['Created /java']);
    expect(zkCli(b, 'create', '-s', '/java/s-', 'x')).toEqual(['Created /java/s-0000000000']);
    expect(zkCli(c, 'set', '/java', 'bye')).toEqual([]);
    const stat = zkCli(a, 'get', '-s', '/java');
    expect(stat[0]).toBe('bye');
    expect(stat).toContain('dataVersion = 1');
    expect(stat).toContain('numChildren = 1');
    expect(zkCli(b, 'getAcl', '/java')).toEqual(["'world,'anyone", ': cdrwa']);
    expect(zkCli(c, 'deleteall', '/java')).toEqual([]);
    expect(zkCli(a, 'stat', '/java')).toEqual(['Node does not exist: /java']);
  }, 300_000);
});
