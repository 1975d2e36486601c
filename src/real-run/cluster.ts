/**
 * One `hanode agent` process per scenario server, each on its own loopback address
 * (127.0.0.2, 127.0.0.3, ...): it binds its HTTP, Raft and Serf sockets there and dials from
 * there, so a firewall rule can cut the link between two nodes by address. Data dirs live in
 * one temp dir; a restart reuses the node's data dir, address, ports and flags.
 */
import { addressBlock } from './address-block.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../net-real/seal.ts';
import { sleep, waitUntil } from '../hanode/launcher.ts';
import { runDirPrefix, trackChild, trackDir, untrackDir } from './cleanup.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hanode.js');

/** At most this many servers: one loopback address each, 127.0.0.2 .. 127.0.0.201. */
export const MAX_REAL_SERVERS = 200;

export interface RealNode {
  readonly name: string;
  readonly addr: string;
  readonly httpPort: number;
  readonly raftPort: number;
  readonly serfPort: number;
  readonly dataDir: string;
  child?: ChildProcess;
  /** 'up' running, 'paused' SIGSTOPped, 'down' killed or exited. */
  state: 'up' | 'paused' | 'down';
  /** The last lines it printed (for failure messages). */
  log: string[];
}

export class RealCluster {
  readonly nodes: RealNode[];
  readonly dir: string;
  private readonly key = generateKey();

  constructor(
    names: readonly string[],
    basePort: number,
    /** Extra `hanode agent` flags for every node (e.g. --ha-check-interval). */
    private readonly extraArgs: readonly string[] = [],
    /** Extra environment for every agent (TEST ONLY switches, e.g. HANODE_TEST_ACK_WITHOUT_FSYNC). */
    private readonly extraEnv: Readonly<Record<string, string>> = {},
  ) {
    if (names.length === 0 || names.length > MAX_REAL_SERVERS) throw new Error(`a real run needs 1..${MAX_REAL_SERVERS} servers, got ${names.length}`);
    this.dir = mkdtempSync(join(tmpdir(), runDirPrefix()));
    trackDir(this.dir);
    this.nodes = names.map((name, i) => ({
      name,
      addr: `127.${addressBlock()}.0.${i + 2}`,
      httpPort: basePort,
      raftPort: basePort + 1,
      serfPort: basePort + 2,
      dataDir: join(this.dir, name),
      state: 'down',
      log: [],
    }));
  }

  node(name: string): RealNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no real node ${name}`);
    return n;
  }

  http(n: RealNode): string {
    return `${n.addr}:${n.httpPort}`;
  }

  async startAll(): Promise<void> {
    for (const n of this.nodes) this.spawn(n);
    await Promise.all(this.nodes.map((n) => this.waitListening(n)));
  }

  /** Starts a node that is down (same data dir, address, ports and flags). */
  async start(n: RealNode): Promise<void> {
    if (n.state !== 'down') return;
    this.spawn(n);
    await this.waitListening(n);
  }

  /**
   * Starts a node that is down without waiting for its HTTP port: an agent repairing a damaged
   * log may not answer for a long while, and later faults must not queue behind it.
   */
  startNoWait(n: RealNode): void {
    if (n.state === 'down') this.spawn(n);
  }

  /** SIGKILL: the process dies at once, unsynced state is gone. */
  async kill(n: RealNode): Promise<void> {
    await this.signalAndWait(n, 'SIGKILL');
  }

  /** SIGTERM (resumed first if paused, else the signal waits) and wait for the exit; SIGKILL past the limit. */
  async terminate(n: RealNode): Promise<void> {
    if (n.state === 'paused') this.signal(n, 'SIGCONT');
    try {
      await this.signalAndWait(n, 'SIGTERM', 15_000);
    } catch {
      await this.kill(n);
    }
  }

  pause(n: RealNode): void {
    if (n.state !== 'up') return;
    this.signal(n, 'SIGSTOP');
    n.state = 'paused';
  }

  resume(n: RealNode): void {
    if (n.state !== 'paused') return;
    this.signal(n, 'SIGCONT');
    n.state = 'up';
  }

  /** Waits until every running node names the same leader (bounded). */
  async waitLeader(limitMs: number): Promise<string> {
    let leader = '';
    await waitUntil(async () => {
      const seen = new Set<string>();
      for (const n of this.nodes.filter((x) => x.state === 'up')) {
        const r = await fetch(`http://${this.http(n)}/v1/status/leader`, { signal: AbortSignal.timeout(2000) });
        seen.add(String(await r.json()));
      }
      leader = [...seen][0] ?? '';
      return seen.size === 1 && leader !== '';
    }, 'a leader every running node agrees on', limitMs);
    return leader;
  }

  /** Kills every process and removes the temp dir. Safe to call twice. */
  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.kill(n)));
    rmSync(this.dir, { recursive: true, force: true });
    untrackDir(this.dir);
  }

  private spawn(n: RealNode): void {
    const first = this.nodes[0]!;
    const args = [
      BIN, 'agent', '--node', n.name, '--data-dir', n.dataDir, '--bind', n.addr,
      '--http', `${n.addr}:${n.httpPort}`, '--raft', String(n.raftPort), '--serf', String(n.serfPort),
      '--acl-default-policy', 'allow',
      ...this.extraArgs,
      ...(this.nodes.length > 1 ? ['--bootstrap-expect', String(this.nodes.length)] : []),
      ...(n !== first ? ['--join', `${first.addr}:${first.serfPort}`] : []),
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...this.extraEnv, HANODE_ENCRYPT: this.key },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    n.child = child;
    n.state = 'up';
    const onData = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n')) {
        if (line === '') continue;
        n.log.push(line);
        if (n.log.length > 200) n.log.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      if (n.child === child) n.state = 'down';
    });
  }

  private async waitListening(n: RealNode): Promise<void> {
    // waitUntil treats a throw as "not yet": an agent that exited ends the wait by returning true.
    await waitUntil(async () => {
      if (n.state === 'down') return true;
      const r = await fetch(`http://${this.http(n)}/v1/status/peers`, { signal: AbortSignal.timeout(2000) });
      return r.status === 200;
    }, `${n.name} to listen on ${this.http(n)}`).catch((e: Error) => {
      throw new Error(`${n.name} did not start (${e.message}):\n${n.log.slice(-20).join('\n')}`);
    });
    if (n.state === 'down') throw new Error(`${n.name} did not start (exited):\n${n.log.slice(-20).join('\n')}`);
  }

  private signal(n: RealNode, sig: NodeJS.Signals): void {
    const c = n.child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill(sig);
  }

  private async signalAndWait(n: RealNode, sig: NodeJS.Signals, limitMs = 15_000): Promise<void> {
    const c = n.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) {
      n.state = 'down';
      return;
    }
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(sig);
    const limit = sleep(limitMs).then(() => 'late' as const);
    if ((await Promise.race([exited, limit])) === 'late') throw new Error(`${n.name} did not exit on ${sig}`);
    n.state = 'down';
  }
}
