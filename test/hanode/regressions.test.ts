/**
 * Regressions found by hand on a real 3-node hanode cluster (issue 14), one test each, on real
 * processes over loopback. Every wait is on a condition with a generous bound (a loaded 2-core
 * machine); the tests run in order over one cluster (the failover test leaves a node down, the
 * restart test brings it back).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, kill9, killAll, leaderName, startAgent, startCluster3, waitForCatalog, waitUntil, type Proc } from '../../src/hanode/launcher.ts';

let root: string;
const nodes: Proc[] = [];


async function req(p: Proc, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://${p.http}${path}`, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hanode-regress-'));
  nodes.push(...(await startCluster3('n', (n) => join(root, n))));
  await waitForCatalog(nodes);
}, 180_000);

afterAll(async () => {
  await killAll();
  if (root) rmSync(root, { recursive: true, force: true });
}, 180_000);

describe('hanode regressions (issue 14)', () => {
  it('DELETE ?recurse&cas and PUT cas with acquire/release are refused as Consul refuses them', async () => {
    const p = nodes[0]!;
    for (const k of ['rc/a', 'rc/b']) expect((await req(p, 'PUT', `/v1/kv/${k}`, 'v')).status).toBe(200);
    const del = await req(p, 'DELETE', '/v1/kv/rc/?recurse&cas=1');
    expect(del.status).toBe(400);
    expect(del.text).toMatch(/^Conflicting flags: /);
    const keys = await getJson(p.http, '/v1/kv/rc/?keys');
    expect(keys.body).toEqual(['rc/a', 'rc/b']);
    const sess = JSON.parse((await req(p, 'PUT', '/v1/session/create', '{"LockDelay":"0s"}')).text) as { ID: string };
    for (const flag of [`acquire=${sess.ID}`, `release=${sess.ID}`]) {
      const r = await req(p, 'PUT', `/v1/kv/rc/a?cas=0&${flag}`, 'x');
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/^Conflicting flags: /);
    }
    const a = (await getJson(p.http, '/v1/kv/rc/a')).body as { Session?: string; Value: string }[];
    expect(a[0]!.Session).toBeUndefined();
    expect(Buffer.from(a[0]!.Value, 'base64').toString()).toBe('v');
    expect((await req(p, 'PUT', `/v1/session/destroy/${sess.ID}`)).status).toBe(200);
  });

  it('autopilot health reports when each server became stable and how long ago the leader heard from it', async () => {
    type Health = { Servers: { Name: string; Leader: boolean; LastContact: string; StableSince: string }[] };
    const p = nodes[1]!;
    const h = (await getJson(p.http, '/v1/operator/autopilot/health')).body as Health;
    expect(h.Servers).toHaveLength(3);
    for (const s of h.Servers) expect(new Date(s.StableSince).getUTCFullYear()).toBeGreaterThanOrEqual(2020);
    // The leader hears every follower at least each heartbeat (200 ms): some answer shows a
    // contact age that is not exactly zero (before the fix every follower said "0s").
    await waitUntil(
      async () => {
        const again = (await getJson(p.http, '/v1/operator/autopilot/health')).body as Health;
        return again.Servers.some((s) => !s.Leader && s.LastContact !== '0s' && /^\d+(\.\d+)?(ns|µs|us|ms|s)$/.test(s.LastContact));
      },
      'a follower with a real LastContact',
    );
  });

  it('a session created through a follower is bound to that follower and survives the loss of the leader', async () => {
    const leader = await leaderName(nodes);
    expect(leader).toBeDefined();
    const follower = nodes.find((p) => p.name !== leader)!;
    const created = await req(follower, 'PUT', '/v1/session/create', '{"LockDelay":"0s"}');
    expect(created.status).toBe(200);
    const id = (JSON.parse(created.text) as { ID: string }).ID;
    const info = (await getJson(follower.http, `/v1/session/info/${id}`)).body as { Node: string }[];
    expect(info[0]!.Node).toBe(follower.name);
    expect((await req(follower, 'PUT', `/v1/kv/held?acquire=${id}`, 'mine')).text.trim()).toBe('true');

    const victim = nodes.find((p) => p.name === leader)!;
    await kill9(victim);
    const survivors = nodes.filter((p) => p !== victim);
    await waitUntil(async () => {
      const l = await leaderName(survivors);
      return l !== undefined && l !== victim.name;
    }, 'a new leader');
    // The old leader's serfHealth goes critical: with the bug, this is what destroyed the session.
    await waitUntil(async () => {
      const checks = (await getJson(survivors[0]!.http, `/v1/health/node/${victim.name}`)).body as { CheckID: string; Status: string }[];
      return checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'critical');
    }, `serfHealth of ${victim.name} critical`);
    const after = (await getJson(survivors[0]!.http, `/v1/session/info/${id}?consistent`)).body as { ID: string }[];
    expect(after.map((s) => s.ID)).toEqual([id]);
    const held = (await getJson(survivors[0]!.http, '/v1/kv/held?consistent')).body as { Session?: string }[];
    expect(held[0]!.Session).toBe(id);
  });

  it('a server restarted with --bootstrap-expect 3 and no --join after being away rejoins; status/leader answers ip:port', async () => {
    let down = nodes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (down === undefined) {
      // Run alone: take a node down here and let the others see it failed.
      down = nodes[2]!;
      await kill9(down);
      const name = down.name;
      await waitUntil(async () => {
        const checks = (await getJson(nodes[0]!.http, `/v1/health/node/${name}?stale`)).body as { CheckID: string; Status: string }[];
        return checks.some((c) => c.CheckID === 'serfHealth' && c.Status === 'critical');
      }, `serfHealth of ${name} critical`);
    }
    // Away long enough to be forgotten: gossip reaps a dead member after GossipToTheDeadTime
    // (30 s on a LAN), after which nobody contacts it again; only it can find its way back.
    const gone = down.name;
    await waitUntil(async () => {
      for (const p of nodes.filter((x) => x !== down)) {
        const members = (await getJson(p.http, '/v1/agent/members')).body as { Name: string }[];
        if (members.some((m) => m.Name === gone)) return false;
      }
      return true;
    }, `the survivors to reap ${gone}`);
    const back = await startAgent(down.name, down.dataDir, ['--bootstrap-expect', '3'], { http: down.http, raft: down.raft, serf: down.serf });
    nodes[nodes.indexOf(down)] = back;
    await waitUntil(async () => (await getJson(back.http, '/v1/status/leader')).body !== '', `${back.name} to know a leader`);
    const l = (await getJson(back.http, '/v1/status/leader')).body as string;
    expect(l).toMatch(/^127\.0\.0\.1:\d+$/);
    await waitUntil(async () => (await req(back, 'PUT', '/v1/kv/rejoined', back.name)).status === 200, `a write through ${back.name}`);
    await waitUntil(async () => {
      const members = (await getJson(back.http, '/v1/agent/members')).body as { Name: string; Status: number }[];
      return members.filter((m) => m.Status === 1).length === 3;
    }, `${back.name} to see 3 alive members`);
    for (const p of nodes) expect(((await getJson(p.http, '/v1/status/leader?stale')).body as string)).toMatch(/^127\.0\.0\.1:\d+$/);
  }, 400_000);
});
