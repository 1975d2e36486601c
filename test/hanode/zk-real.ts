/**
 * A real ZooKeeper (Debian's `zookeeper` package, 3.8) as a standalone server on 127.0.0.1,
 * for the comparison test and the bench. `realZooKeeperJar()` says whether it is installed;
 * the server runs in a temp dir that stop() removes, and is killed on stop.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawZk } from './zk-raw-client.ts';

const JAR = '/usr/share/java/zookeeper.jar';
const CONF = '/etc/zookeeper/conf';

/** The jar when Debian's zookeeper and a java runtime are installed; undefined otherwise. */
export function realZooKeeperJar(): string | undefined {
  if (!existsSync(JAR)) return undefined;
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return java.status === 0 ? JAR : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function answersRuok(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setTimeout(1000, () => s.destroy());
    s.on('connect', () => s.write('ruok'));
    s.on('data', (b) => (got += b.toString()));
    s.on('close', () => resolve(got === 'imok'));
    s.on('error', () => {});
  });
}

async function opensSession(port: number): Promise<boolean> {
  try {
    const z = await RawZk.connect(`127.0.0.1:${port}`, 6000);
    await z.close();
    return true;
  } catch {
    return false;
  }
}

export interface RealZooKeeper {
  readonly addr: string;
  stop(): Promise<void>;
}

/** Starts a standalone server (tickTime 2000 as ZooKeeper's sample config: session timeouts 4 s - 40 s). */
export async function startRealZooKeeper(jar: string): Promise<RealZooKeeper> {
  const dir = mkdtempSync(join(tmpdir(), 'zk-real-'));
  const port = await freePort();
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(cfg, [`tickTime=2000`, `dataDir=${join(dir, 'data')}`, `clientPort=${port}`, `clientPortAddress=127.0.0.1`, `admin.enableServer=false`, `4lw.commands.whitelist=ruok`, ''].join('\n'));
  const child: ChildProcess = spawn('java', ['-cp', `${jar}:${CONF}`, `-Dzookeeper.log.dir=${dir}`, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: 'ignore', cwd: dir });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (let i = 0; i < 600 && Date.now() < deadline; i++) {
    if (child.exitCode !== null) break;
    // ruok answers before the server takes sessions: wait for a session too.
    if ((await answersRuok(port)) && (await opensSession(port))) return { addr: `127.0.0.1:${port}`, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error('real ZooKeeper did not start');
}
