/**
 * No remote code by default (issue 12, point 1). Real `hanode agent` processes on 127.0.0.1:
 * the exploit (`Args: ["/bin/sh","-c","id > F"]` through /v1/agent/check/register)
 * and its failover-target twin are refused with 403 by a default agent and the file is never
 * written; with --enable-script-checks the same request runs. A replicated script target is
 * run by the server that has the switch and refused (logged, never run) by the one without.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { killAll, sleep, startAgent, waitUntil, type Proc } from '../../src/hanode/launcher.ts';
import { CHECK_MIN_INTERVAL_US, CHECK_MIN_TIMEOUT_US, isLoopback, requireScriptAllowed, SCRIPTS_DISABLED } from '../../src/hanode/script-policy.ts';
import { HttpError } from '../../src/hanode/http/errors.ts';

let root: string;

async function call(http: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://${http}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

const exploit = (file: string) => ({ Name: 'pwn', Args: ['/bin/sh', '-c', `id > ${file}`], Interval: '10s' });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'hanode-sec-scripts-'));
});

afterAll(async () => {
  await killAll();
  if (root) rmSync(root, { recursive: true, force: true });
}, 180_000);

describe('script checks over the API', () => {
  it('a default agent refuses every script registration with 403 and runs nothing', async () => {
    const a = await startAgent('plain', join(root, 'plain'), ['--dev']);
    const f = join(root, 'pwned-default');
    const refused = [
      await call(a.http, 'PUT', '/v1/agent/check/register', exploit(f)),
      await call(a.http, 'PUT', '/v1/agent/check/register', { Name: 'pwn2', ScriptArgs: ['/bin/sh', '-c', `id > ${f}`], Interval: '10s' }),
      await call(a.http, 'PUT', '/v1/agent/check/register', { Name: 'pwn3', Script: `id > ${f}`, Interval: '10s' }),
      await call(a.http, 'PUT', '/v1/agent/service/register', { Name: 'web', Check: exploit(f) }),
      await call(a.http, 'PUT', '/v1/agent/service/register', { Name: 'web', Checks: [{ TTL: '10s' }, exploit(f)] }),
      await call(a.http, 'PUT', '/v1/ha/targets/x', { Value: 'v', Check: { Args: ['/bin/sh', '-c', `id > ${f}`] } }),
      await call(a.http, 'PUT', '/v1/ha/targets/y', { Value: 'v', Check: { TCP: '127.0.0.1:1' }, Notify: { Args: ['/bin/sh', '-c', `id > ${f}`] } }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.text).toBe(SCRIPTS_DISABLED);
    }
    // Nothing was stored: no check, no service, no target.
    expect(JSON.parse((await call(a.http, 'GET', '/v1/agent/checks')).text)).toEqual({});
    expect(JSON.parse((await call(a.http, 'GET', '/v1/agent/services')).text)).toEqual({});
    expect(JSON.parse((await call(a.http, 'GET', '/v1/ha/targets')).text)).toEqual([]);
    // Non-script checks still register.
    expect((await call(a.http, 'PUT', '/v1/agent/check/register', { Name: 'ttl', TTL: '30s' })).status).toBe(200);
    // A script check would have run at once (the probe runner's first run has no delay); give it time anyway.
    await sleep(1500);
    expect(existsSync(f)).toBe(false);
  }, 180_000);

  it('--enable-script-checks: the same request is accepted and the script runs', async () => {
    const a = await startAgent('open', join(root, 'open'), ['--dev', '--enable-script-checks']);
    const f = join(root, 'pwned-enabled');
    const r = await call(a.http, 'PUT', '/v1/agent/check/register', exploit(f));
    expect(r.status).toBe(200);
    await waitUntil(() => existsSync(f), 'the script check to run');
  }, 180_000);

  it('--enable-local-script-checks: a loopback client may register a script', async () => {
    const a = await startAgent('local', join(root, 'local'), ['--dev', '--enable-local-script-checks']);
    const f = join(root, 'pwned-local');
    expect((await call(a.http, 'PUT', '/v1/agent/check/register', exploit(f))).status).toBe(200);
    await waitUntil(() => existsSync(f), 'the script check to run');
  }, 180_000);
});

describe('a replicated script target (defence in depth)', () => {
  it('runs on the server started with the switch, and is refused by the one without', async () => {
    const marks = join(root, 'marks');
    const n1 = await startAgent('r1', join(root, 'r1'), ['--bootstrap-expect', '1', '--enable-script-checks', '--ha-check-interval', '1s']);
    await waitUntil(async () => (await call(n1.http, 'GET', '/v1/status/leader')).text.length > 4, 'r1 to lead');
    const n2: Proc = await startAgent('r2', join(root, 'r2'), ['--join', n1.serf, '--ha-check-interval', '1s']);
    await waitUntil(async () => JSON.parse((await call(n1.http, 'GET', '/v1/status/peers')).text).length === 2, 'r2 to join Raft');
    // $PPID of `sh -c` is the agent that ran it: one mark file per agent that ran the script.
    const r = await call(n1.http, 'PUT', '/v1/ha/targets/svc', { Value: 'v', Check: { Args: ['/bin/sh', '-c', `mkdir -p ${marks}; touch ${marks}/ran-$PPID; echo UP`] } });
    expect(r.status).toBe(200);
    await waitUntil(() => existsSync(join(marks, `ran-${n1.child.pid}`)), 'r1 to run the script');
    await waitUntil(() => n2.log.some((l) => l.includes('ha: target svc has a check script, not run')), 'r2 to refuse the script');
    expect(readdirSync(marks)).toEqual([`ran-${n1.child.pid}`]);
  }, 180_000);
});

describe('the policy itself', () => {
  it('loopback only for the local switch; nothing without a switch', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('::ffff:10.0.0.1')).toBe(false);
    expect(isLoopback('1127.0.0.1')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
    const status = (f: () => void) => {
      try {
        f();
        return 200;
      } catch (e) {
        return (e as HttpError).status;
      }
    };
    expect(status(() => requireScriptAllowed({}, '127.0.0.1'))).toBe(403);
    expect(status(() => requireScriptAllowed({ enableLocalScriptChecks: true }, '127.0.0.1'))).toBe(200);
    expect(status(() => requireScriptAllowed({ enableLocalScriptChecks: true }, '10.0.0.1'))).toBe(403);
    expect(status(() => requireScriptAllowed({ enableScriptChecks: true }, '10.0.0.1'))).toBe(200);
  });

  it('more node-run checks than the probe runner runs: 400 past the bound', async () => {
    const agent = new Agent({ node: 'many', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
    try {
      const http = (await agent.start()).http;
      await waitUntil(() => agent.node().replicator.isLeader(), 'leader', 10_000);
      const reg = (i: number) => call(http, 'PUT', '/v1/agent/check/register', { Name: `c${i}`, TCP: '127.0.0.1:1', Interval: '60s' });
      // (The probe runner's own bound, for a replicated catalog past it, is tested in test/coord/catalog.test.ts.)
      const statuses: number[] = [];
      for (let i = 0; i < 1000; i += 50) statuses.push(...(await Promise.all(Array.from({ length: 50 }, (_, j) => reg(i + j)))).map((r) => r.status));
      expect(statuses.filter((s) => s === 200)).toHaveLength(1000);
      // Re-registering an existing check is not a new one.
      expect((await reg(3)).status).toBe(200);
      const over = await reg(5000);
      expect(over.status).toBe(400);
      expect(over.text).toMatch(/Too many HTTP\/TCP\/script checks on this node \(max 1000\)/);
      expect(agent.node().replicator.isLeader()).toBe(true);
      expect(process.exitCode).not.toBe(70);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('Interval and Timeout below 1 s are raised to 1 s (Consul MinInterval)', async () => {
    const agent = new Agent({ node: 'clamp', dev: true, enableScriptChecks: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
    try {
      const http = (await agent.start()).http;
      await waitUntil(() => agent.node().replicator.isLeader(), 'leader');
      expect((await call(http, 'PUT', '/v1/agent/check/register', { Name: 'fast', HTTP: `http://${http}/v1/status/leader`, Interval: '1us', Timeout: '1ns' })).status).toBe(200);
      const d = agent.node().store.catalog.getCheck('clamp', 'fast')!.definition;
      expect(d.intervalUs).toBe(CHECK_MIN_INTERVAL_US);
      expect(d.timeoutUs).toBe(CHECK_MIN_TIMEOUT_US);
      expect((await call(http, 'PUT', '/v1/agent/check/register', { Name: 'slow', TCP: '127.0.0.1:1', Interval: '30s', Timeout: '5s' })).status).toBe(200);
      expect(agent.node().store.catalog.getCheck('clamp', 'slow')!.definition.intervalUs).toBe(30_000_000);
    } finally {
      await agent.stop();
    }
  }, 180_000);
});
