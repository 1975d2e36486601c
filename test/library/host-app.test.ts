/**
 * hostApp (src/api/host.ts): the primary-backup example, unchanged, on three RealHosts on
 * loopback (UDP/TCP): writes are acknowledged and every log agrees on them. Waits on
 * conditions with generous bounds; every host is closed, also on failure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { hostApp } from '../../src/api/host.ts';
import type { PrimaryBackup } from '../../examples/primary-backup/register.ts';

const nodes = ['n1', 'n2', 'n3'];
const hosts = nodes.map((id) => hostApp('examples/primary-backup/register.ts', { id, nodes, host: '127.0.0.1', seed: 1, config: { buggy: false } }));
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
});

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe('hostApp: a user core on real sockets', () => {
  it('three loopback hosts replicate and agree on the log', async () => {
    await Promise.all(hosts.map((h) => h.start()));
    for (const h of hosts) for (const [i, o] of hosts.entries()) if (o !== h) h.peers.set(nodes[i]!, o.address);
    const logs = () => hosts.map((h) => (h.app()!.app as PrimaryBackup).log());
    expect(await until(() => logs().every((l) => l.length >= 10), 60_000)).toBe(true);
    const [a, b, c] = logs();
    const n = Math.min(a!.length, b!.length, c!.length) - 1; // the last may still be in flight
    expect(b!.slice(0, n)).toEqual(a!.slice(0, n));
    expect(c!.slice(0, n)).toEqual(a!.slice(0, n));
  }, 120_000);
});
