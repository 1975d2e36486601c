/**
 * The real sharded store for the test and the bench: 3 hanode servers with the ZooKeeper
 * listener (the coordination tree), 2 groups x (primary + standby) of `hanode shard`
 * processes on their own loopback addresses, each also a master candidate; a writer putting
 * unique keys through the data nodes' HTTP endpoints and keeping what was acknowledged.
 * Every wait is bounded (launcher.ts PATIENCE_MS); every loop has a count bound.
 */
import { join } from 'node:path';
import { sleep, waitUntil, type Proc } from '../../src/hanode/launcher.ts';
import { shardStatus, startShard, type ShardProc, type ShardStatus } from '../../src/hanode/shard/procs.ts';
import { startZkCluster } from './zk-cluster.ts';

export const GROUPS = { g1: ['d1a', 'd1b'], g2: ['d2a', 'd2b'] } as const;
/** Each data node on its own loopback address (127.0.0.0/8 is all loopback on Linux). */
const BIND: Record<string, string> = { d1a: '127.0.0.11', d1b: '127.0.0.12', d2a: '127.0.0.21', d2b: '127.0.0.22' };

export interface ShardCluster {
  readonly zk: Proc[];
  readonly shards: Map<string, ShardProc>;
  readonly coordArgs: string[];
}

export async function startShardCluster(root: string): Promise<ShardCluster> {
  const zk = await startZkCluster(join(root, 'zk'));
  const coordArgs = ['--coord', zk.map((p) => p.zk).join(',')];
  const shards = new Map<string, ShardProc>();
  for (const [g, names] of Object.entries(GROUPS)) {
    for (const n of names) shards.set(n, await startShard(n, join(root, n), BIND[n]!, ['--group', g, '--master', ...coordArgs]));
  }
  return { zk, shards, coordArgs };
}

export function alive(p: ShardProc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** Statuses of the live shard processes that answer. */
export async function statuses(c: ShardCluster): Promise<ShardStatus[]> {
  const out: ShardStatus[] = [];
  for (const p of c.shards.values()) {
    if (!alive(p)) continue;
    try {
      out.push(await shardStatus(p));
    } catch {
      // not answering (starting, or busy): skip
    }
  }
  return out;
}

/** The acting master's status (the one live process that says it is master), if exactly one does. */
export async function masterStatus(c: ShardCluster): Promise<ShardStatus | undefined> {
  const m = (await statuses(c)).filter((s) => s.master && s.placement !== null);
  return m.length === 1 ? m[0] : undefined;
}

/** Both groups served by a primary with an in-sync standby, and a complete ring of both. */
export async function settled(c: ShardCluster, avoid: readonly string[] = []): Promise<ShardStatus | undefined> {
  const m = await masterStatus(c);
  const p = m?.placement;
  if (!m || !p) return undefined;
  const ok = Object.keys(GROUPS).every((g) => {
    const conf = p.configs.find((x) => x.group === g);
    return conf?.primary !== undefined && !avoid.includes(conf.primary) && conf.standbys.length === 1 && conf.syncing.length === 0 && p.ring.primaries[g] === conf.primary;
  });
  return ok && p.ring.groups.length === 2 ? m : undefined;
}

export async function waitSettled(c: ShardCluster, what: string, avoid: readonly string[] = []): Promise<ShardStatus> {
  let m: ShardStatus | undefined;
  await waitUntil(async () => (m = await settled(c, avoid)) !== undefined, what, 120_000);
  return m!;
}

/**
 * Puts unique keys, one at a time, through the HTTP endpoint of a live data node (rotating),
 * until stopped; `acked` holds what was acknowledged (200) and when.
 */
export class Writer {
  readonly acked = new Map<string, string>();
  readonly ackTimesMs: number[] = [];
  /** Each acknowledged key with the time it was acknowledged, in order. */
  readonly ackLog: { readonly key: string; readonly atMs: number }[] = [];
  failed = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly c: ShardCluster, private readonly prefix: string) {}

  start(): void {
    this.loop = (async () => {
      for (let i = 0; i < 1_000_000 && !this.stopped; i++) {
        const live = [...this.c.shards.values()].filter(alive);
        const p = live[i % Math.max(1, live.length)];
        if (!p) {
          await sleep(100);
          continue;
        }
        const key = `${this.prefix}-${i}`;
        const value = `v${i}-${key}`;
        try {
          const res = await fetch(`http://${p.http}/v1/shard/kv/${key}`, { method: 'PUT', body: value, signal: AbortSignal.timeout(20_000) });
          await res.text();
          if (res.status === 200) {
            this.acked.set(key, value);
            this.ackTimesMs.push(Date.now());
            this.ackLog.push({ key, atMs: Date.now() });
          } else this.failed++;
        } catch {
          this.failed++; // the node died under the request, or timed out: not acknowledged
        }
      }
    })();
  }

  /** Acknowledged puts after `sinceMs`. */
  ackedSince(sinceMs: number): number {
    return this.ackTimesMs.filter((t) => t >= sinceMs).length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Reads every acknowledged key back through live nodes; the keys missing or wrong. */
export async function readBack(c: ShardCluster, acked: ReadonlyMap<string, string>): Promise<string[]> {
  const lost: string[] = [];
  let i = 0;
  for (const [key, value] of acked) {
    let got: string | undefined;
    for (let attempt = 0; attempt < 40 && got === undefined; attempt++) {
      const live = [...c.shards.values()].filter(alive);
      const p = live[(i + attempt) % live.length]!;
      try {
        const res = await fetch(`http://${p.http}/v1/shard/kv/${key}`, { signal: AbortSignal.timeout(20_000) });
        const text = await res.text();
        if (res.status === 200) got = text;
        else if (res.status === 404) got = '(absent)';
        else await sleep(250);
      } catch {
        await sleep(250);
      }
    }
    if (got !== value) lost.push(`${key}: ${got ?? '(no answer)'}`);
    i++;
  }
  return lost;
}
