/**
 * Runs real `hanode shard` processes for the tests and the bench, as src/hanode/launcher.ts
 * runs agents (same waits, same kill -9): spawn, read the startup line for the HTTP address,
 * restart with the same arguments and data dir. stopAllShards() ends every process started here.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { getJson, kill9, TEST_CLUSTER_KEY, waitUntil, type Proc } from '../launcher.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'hanode.js');

export interface ShardProc extends Proc {
  readonly bind: string;
  readonly args: readonly string[];
}

const shardProcs: ShardProc[] = [];

/** Starts `hanode shard --name NAME --data-dir DIR ...args --http BIND:0`; resolves once it serves HTTP. */
export async function startShard(name: string, dataDir: string, bind: string, args: readonly string[]): Promise<ShardProc> {
  const full = ['shard', '--name', name, '--data-dir', dataDir, '--bind', bind, '--http', `${bind}:0`, ...args];
  const p: ShardProc = { name, dataDir, bind, args, child: undefined as never, http: '', raft: '', serf: '', zk: '', log: [] };
  const child = spawn(process.execPath, [BIN, ...full], {
    cwd: ROOT,
    env: { ...process.env, HANODE_ENCRYPT: process.env.HANODE_ENCRYPT ?? TEST_CLUSTER_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.child = child;
  shardProcs.push(p);
  const onData = (buf: Buffer): void => {
    for (const line of buf.toString('utf8').split('\n')) {
      if (line === '') continue;
      if (p.log.length < 5000) p.log.push(line);
      const m = /HTTP: http:\/\/(\S+)/.exec(line);
      if (m) p.http = m[1]!;
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  await waitUntil(() => p.http !== '' || child.exitCode !== null, `shard ${name} to start`);
  if (p.http === '') throw new Error(`shard ${name} did not start:\n${p.log.join('\n')}`);
  return p;
}

/** The same process again (same name, data dir and flags), after a kill. */
export function restartShard(p: ShardProc): Promise<ShardProc> {
  return startShard(p.name, p.dataDir, p.bind, p.args);
}

export async function stopAllShards(): Promise<void> {
  await Promise.all(shardProcs.map((p) => kill9(p)));
}

/** A shard process's /v1/shard/status (throws when it does not answer). */
export async function shardStatus(p: ShardProc): Promise<ShardStatus> {
  return (await getJson(p.http, '/v1/shard/status')).body as ShardStatus;
}

export interface ShardStatus {
  readonly name: string;
  readonly group: string | null;
  readonly primary: boolean;
  readonly config: { readonly primary?: string; readonly standbys: string[]; readonly syncing: string[]; readonly epoch: [number, number] } | null;
  readonly applied: number;
  readonly keys: number;
  readonly ring: { readonly version: number; readonly groups: string[]; readonly adding: string | null; readonly primaries: Record<string, string> } | null;
  readonly master: boolean;
  readonly placement: { readonly configs: { group: string; primary?: string; standbys: string[]; syncing: string[] }[]; readonly ring: { version: number; rev: [number, number]; groups: string[]; primaries: Record<string, string> } } | null;
}
