// A 3-member etcd cluster on 127.0.0.1 for the comparison bench (bench/vs-etcd.ts): the `etcd`
// binary found on PATH (Debian: apt-get install etcd-server), default durability (etcd fsyncs
// its WAL on every commit), each member in its own data dir under `root`. stop() kills every
// member it started, also after a failed start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface EtcdMember {
  readonly name: string;
  /** host:port of the client URL (the JSON gateway /v3/... is served here). */
  readonly client: string;
  readonly child: ChildProcess;
  readonly log: string[];
}

/** etcd's version line, or undefined when no etcd is on PATH. */
export function etcdVersion(): string | undefined {
  const r = spawnSync('etcd', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return undefined;
  return /etcd Version: (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function post(client: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`http://${client}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

export class EtcdCluster {
  readonly members: EtcdMember[] = [];

  /** Starts `size` members and waits (bounded) until they agree on a leader. */
  static async start(root: string, size = 3): Promise<EtcdCluster> {
    const c = new EtcdCluster();
    try {
      const ports: [number, number][] = [];
      for (let i = 0; i < size; i++) ports.push([await freePort(), await freePort()]);
      const names = ports.map((_, i) => `e${i + 1}`);
      const initial = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i]![1]}`).join(',');
      for (let i = 0; i < size; i++) {
        const [clientPort, peerPort] = ports[i]!;
        const client = `127.0.0.1:${clientPort}`;
        const args = [
          '--name', names[i]!,
          '--data-dir', join(root, names[i]!),
          '--listen-client-urls', `http://${client}`,
          '--advertise-client-urls', `http://${client}`,
          '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
          '--initial-cluster', initial,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', 'hasim-bench',
          '--logger', 'zap',
          '--log-level', 'error',
        ];
        const child = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const log: string[] = [];
        const keep = (b: Buffer) => {
          if (log.length < 200) log.push(b.toString('utf8'));
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        c.members.push({ name: names[i]!, client, child, log });
      }
      await c.leader(30_000);
      return c;
    } catch (e) {
      await c.stop();
      throw e;
    }
  }

  /** The member that is leader, polling each member's /v3/maintenance/status (bounded wait). */
  async leader(limitMs = 10_000): Promise<EtcdMember> {
    const deadline = Date.now() + limitMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      for (const m of this.members) {
        if (m.child.exitCode !== null) throw new Error(`etcd ${m.name} exited ${m.child.exitCode}:\n${m.log.join('')}`);
        try {
          const s = (await post(m.client, '/v3/maintenance/status', {})) as { leader?: string; header?: { member_id?: string } };
          if (s.leader !== undefined && s.leader !== '0' && s.leader === s.header?.member_id) return m;
        } catch {
          // not up yet
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`etcd: no leader within ${limitMs} ms`);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.child.exitCode !== null || m.child.signalCode !== null) return resolve();
            m.child.once('exit', () => resolve());
            m.child.kill('SIGKILL');
          }),
      ),
    );
  }
}
