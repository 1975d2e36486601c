/**
 * Snapshots under kill -9: three real hanode processes that snapshot every 100 entries and keep
 * 20 behind (--raft-snapshot-threshold / --raft-trailing-logs), so a few seconds of writes take
 * many snapshots, each written and made durable off the event loop, with the log compacted only
 * after (src/core/raft/node.ts takeSnapshot, src/net-real/file-storage.ts). kill -9 of the leader
 * under write load loses no acknowledged write, and the killed node restarts from its snapshot
 * and compacted log and catches up.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { getJson, kill9, killAll, leaderName, putKv, sleep, startAgent, startCluster3, waitUntil, type Proc } from '../../src/hanode/launcher.ts';

const SNAP_ARGS = ['--raft-snapshot-threshold', '100', '--raft-trailing-logs', '20', '--raft-snapshot-interval', '0s'];
let root: string | undefined;

afterAll(async () => {
  await killAll();
  if (root) rmSync(root, { recursive: true, force: true });
}, 180_000);

it('kill -9 of the leader while every server snapshots every 100 entries: no acknowledged write lost; the node restarts from its snapshot and catches up', async () => {
  root = mkdtempSync(join(tmpdir(), 'hanode-snapkill-'));
  const nodes = await startCluster3('s', (n) => join(root!, n), SNAP_ARGS);
  const acked = new Set<string>();
  let stop = false;
  let seq = 0;
  const writer = async (w: number) => {
    for (let i = 0; i < 20_000 && !stop; i++) {
      const key = `snap/${w}/${seq++}`;
      const up = nodes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      const p = up[(w + i) % up.length]!;
      try {
        if ((await putKv(p.http, key, 'v'.repeat(200))) === 200) acked.add(key);
      } catch {
        await sleep(20);
      }
    }
  };
  const writers = [0, 1, 2, 3].map((w) => writer(w));
  await waitUntil(() => acked.size > 600, 'some snapshots worth of writes');
  const oldLeader = (await leaderName(nodes))!;
  const victim = nodes.find((p) => p.name === oldLeader)!;
  await kill9(victim);
  const survivors = nodes.filter((p) => p !== victim);
  await waitUntil(async () => {
    const l = await leaderName(survivors);
    return l !== undefined && l !== oldLeader;
  }, 'a new leader');
  const before = acked.size;
  await waitUntil(() => acked.size > before + 200, 'writes acknowledged after the failover (more snapshots)');
  stop = true;
  await Promise.all(writers);

  // The victim did snapshot and compact before it died (a durable snapshot and compaction point).
  expect(existsSync(join(victim.dataDir, 'raft', 'state', 'k-snap'))).toBe(true);
  expect(existsSync(join(victim.dataDir, 'raft', 'log', 'first'))).toBe(true);

  // Every acknowledged write is on the survivors (a consistent read through the new leader).
  const keys = async (p: Proc, mode: string) => {
    const r = await getJson(p.http, `/v1/kv/snap/?keys&${mode}`);
    return new Set(r.status === 200 ? (r.body as string[]) : []);
  };
  const held = await keys(survivors[0]!, 'consistent');
  expect([...acked].filter((k) => !held.has(k))).toEqual([]);

  // Restarted on the same ports and data dir: it loads its snapshot and compacted log, and catches up.
  const restarted = await startAgent(victim.name, victim.dataDir, ['--bootstrap-expect', '3', '--join', survivors[0]!.serf, ...SNAP_ARGS], {
    http: victim.http,
    raft: victim.raft,
    serf: victim.serf,
  });
  nodes[nodes.indexOf(victim)] = restarted;
  await waitUntil(async () => {
    const own = await keys(restarted, 'stale');
    return [...acked].every((k) => own.has(k));
  }, 'the restarted node to hold every acknowledged write');
}, 300_000);
