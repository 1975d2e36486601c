/**
 * /v1/ha/* on a real agent: a TCP-probed target and a script-verified target; when the TCP
 * listener closes, the failover service declares DOWN through Raft, the notification script
 * runs with (role, key, value, state), and detector / gossip / events show it.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ms } from '../../src/core/env.ts';
import { Agent } from '../../src/hanode/agent.ts';
import { waitUntil } from '../../src/hanode/launcher.ts';

const dir = mkdtempSync(join(tmpdir(), 'hanode-ha-'));
const notifyLog = join(dir, 'notify.log');
let agent: Agent;
let base: string;
let server: net.Server;
let port: number;

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text };
}

beforeAll(async () => {
  const notify = join(dir, 'notify.sh');
  writeFileSync(notify, `#!/bin/sh\necho "$@" >> ${notifyLog}\n`);
  chmodSync(notify, 0o755);
  const verify = join(dir, 'verify.sh');
  writeFileSync(verify, '#!/bin/sh\n[ "$2" = "healthy" ] && echo UP || echo DOWN\n');
  chmodSync(verify, 0o755);
  server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
  agent = new Agent({
    node: 'ha1',
    dev: true,
    bind: '127.0.0.1',
    httpHost: '127.0.0.1',
    httpPort: 0,
    raftPort: 0,
    serfPort: 0,
    haVerifyScript: verify,
    haNotifyScript: notify,
    // Checks every 3 s, each allowed the whole period: a shell script started on a loaded
    // 2-core machine can take hundreds of ms (a 150 ms timeout judged it DOWN). The TCP target
    // is refused at once when closed, so DOWN comes after ~2 checks. Staleness: 10 checks.
    ha: { checkIntervalUs: ms(3000), checkTimeoutUs: ms(3000), failuresBeforeDown: 2, successesBeforeUp: 2, evalIntervalUs: ms(100), staleAfterUs: ms(30_000) },
    log: () => {},
  });
  base = `http://${(await agent.start()).http}`;
  await waitUntil(() => agent.node().replicator.isLeader(), 'leader');
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/v1/ha', () => {
  it('targets: register with TCP check and default script; bad specs are 400', async () => {
    expect((await call('PUT', '/v1/ha/targets/db%2Feu-1', { Value: 'primary', Check: { TCP: `127.0.0.1:${port}` } })).body).toBe(true);
    expect((await call('PUT', '/v1/ha/targets/cache', { Value: 'healthy' })).body).toBe(true);
    expect((await call('PUT', '/v1/ha/targets/bad', { Check: { TCP: 'nope' } })).status).toBe(400);
    expect((await call('PUT', '/v1/ha/targets/bad', '{')).status).toBe(400);
    const list = (await call('GET', '/v1/ha/targets')).body as { Key: string }[];
    expect(list.map((t) => t.Key).sort()).toEqual(['cache', 'db/eu-1']);
    await waitUntil(async () => {
      const d = (await call('GET', '/v1/ha/detector')).body as { Results: { Target: string; Status: string }[] };
      return d.Results.length === 2 && d.Results.every((r) => r.Status === 'UP');
    }, 'both targets UP in the detector');
    const gossip = (await call('GET', '/v1/ha/gossip')).body as { Observer: string }[];
    expect(gossip.every((g) => g.Observer === 'ha1')).toBe(true);
  });

  it('a target going down is declared through Raft and notified with role, key, value, state', async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await waitUntil(async () => {
      const ev = (await call('GET', '/v1/ha/events')).body as { Key: string; To: string }[];
      return ev.some((e) => e.Key === 'db/eu-1' && e.To === 'DOWN');
    }, 'a DOWN event');
    await waitUntil(() => existsSync(notifyLog) && readFileSync(notifyLog, 'utf8').includes('DOWN'), 'the notify script');
    expect(readFileSync(notifyLog, 'utf8')).toMatch(/^leader db\/eu-1 primary DOWN$/m);
    const t = (await call('GET', '/v1/ha/targets/db%2Feu-1')).body as { Health: string };
    expect(t.Health).toBe('down');
    // The script-verified target stayed up: no event for it.
    const ev = (await call('GET', '/v1/ha/events')).body as { Key: string; To: string }[];
    expect(ev.filter((e) => e.Key === 'cache' && e.To === 'DOWN')).toEqual([]);
  });
});
