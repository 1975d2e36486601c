/**
 * `hasim host MODULE --node n1 --listen 127.0.0.1:7001 --peers n2=127.0.0.1:7002,...`: runs a
 * user app module (the file an `app:` section names) on real sockets (UDP and TCP on the same
 * port number) until SIGINT/SIGTERM. Trace events with a `note` are printed, one a line.
 * With `--data-dir DIR` the core's storage lives in files there and survives a restart.
 */
import { UsageError } from './common.ts';

export interface HostFlags {
  node?: string;
  listen?: string;
  peers?: string;
  config?: string;
  dataDir?: string;
}

function hostPort(flag: string, text: string): { host: string; port: number } {
  const m = /^([0-9.]+):(\d{1,5})$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag}: expected HOST:PORT with an IPv4 address, got "${text}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

export async function hostCommand(file: string, flags: HostFlags): Promise<number> {
  if (!flags.node || !/^[A-Za-z0-9_.-]{1,64}$/.test(flags.node)) throw new UsageError('--node: expected this node\'s id (letters, digits, _ . -)');
  const listen = hostPort('--listen', flags.listen ?? '127.0.0.1:0');
  const peers: Record<string, { host: string; udpPort: number; tcpPort: number }> = {};
  for (const p of (flags.peers ?? '').split(',').filter(Boolean)) {
    const [id, addr] = p.split('=');
    if (!id || !addr) throw new UsageError(`--peers: expected ID=HOST:PORT,..., got "${p}"`);
    const a = hostPort('--peers', addr);
    peers[id] = { host: a.host, udpPort: a.port, tcpPort: a.port };
  }
  let config: unknown = {};
  if (flags.config !== undefined) {
    try {
      config = JSON.parse(flags.config);
    } catch {
      throw new UsageError('--config: expected JSON, e.g. \'{"buggy":true}\'');
    }
  }
  const { hostApp } = await import('../../api/host.ts');
  let host;
  try {
    host = hostApp(file, {
      id: flags.node,
      nodes: [flags.node, ...Object.keys(peers)].sort(),
      host: listen.host,
      udpPort: listen.port,
      tcpPort: listen.port,
      peers,
      config,
      ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}),
      onTrace: (ev) => {
        if (typeof ev.note === 'string') process.stdout.write(`${ev.node ?? ''} ${ev.note}\n`);
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!);
  }
  await host.start();
  process.stdout.write(`hasim host: ${flags.node} on ${host.address.host}:${host.address.tcpPort} (udp ${host.address.udpPort})\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await host.close();
  process.stdout.write(`hasim host: ${flags.node} stopped (sent ${host.stats.sent}, delivered ${host.stats.delivered} messages)\n`);
  return 0;
}
