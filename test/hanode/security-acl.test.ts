/**
 * ACL for reads and writes (issue 12, point 4), on a real `hanode agent` process: default
 * policy deny outside --dev; a management token (from a file) reads and writes, a read token
 * (from the environment) only reads, anonymous and unknown tokens get Consul's
 * `403 Permission denied` on KV, sessions, operator, agent and /v1/ha reads alike; tokens are
 * never printed nor on the command line; the npm `consul` client works with its token.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { allowed, type AclConfig } from '../../src/hanode/http/acl.ts';
import { killAll, startAgent, TEST_CLUSTER_KEY, waitUntil, type Proc } from '../../src/hanode/launcher.ts';

/** The client's typings are stricter than its runtime; tests use it as plain JS. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseConsul = any;

const MGMT = 'mgmt-5f0c2a9e-tok';
const READ = 'read-77b1d3c4-tok';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hanode.js');

let root: string;
let p: Proc;

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://${p.http}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

const READS = ['/v1/kv/app/x', '/v1/kv/?recurse', '/v1/session/list', '/v1/operator/raft/configuration', '/v1/ha/targets', '/v1/ha/events', '/v1/agent/self', '/v1/agent/metrics', '/v1/catalog/nodes', '/v1/health/state/any'];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hanode-sec-acl-'));
  const tokenFile = join(root, 'mgmt.token');
  writeFileSync(tokenFile, `${MGMT}\n`, { mode: 0o600 });
  p = await startAgent('acl1', join(root, 'acl1'), ['--bootstrap-expect', '1', '--acl-token-file', tokenFile], undefined, { HANODE_ACL_READ_TOKEN: READ });
  await waitUntil(async () => (await call('PUT', '/v1/kv/app/x', { 'X-Consul-Token': MGMT }, 'v')).status === 200, 'a first write');
}, 180_000);

afterAll(async () => {
  await killAll();
  if (root) rmSync(root, { recursive: true, force: true });
}, 180_000);

describe('default policy deny with a management and a read token', () => {
  it('anonymous and unknown tokens: 403 Permission denied on every read and write; status stays open', async () => {
    for (const path of READS) {
      for (const h of [{}, { 'X-Consul-Token': 'nope' }] as Record<string, string>[]) {
        const r = await call('GET', path, h);
        expect([path, r.status, r.text]).toEqual([path, 403, 'Permission denied']);
      }
    }
    expect((await call('PUT', '/v1/kv/app/x', {}, 'evil')).status).toBe(403);
    expect((await call('DELETE', '/v1/kv/?recurse')).status).toBe(403);
    expect((await call('PUT', '/v1/session/create', {}, '{}')).status).toBe(403);
    expect((await call('GET', '/v1/status/leader')).status).toBe(200);
  });

  it('the read token reads everything and writes nothing', async () => {
    for (const path of READS) {
      const r = await call('GET', path, { 'X-Consul-Token': READ });
      expect([path, r.status]).not.toEqual([path, 403]);
    }
    expect((await call('GET', '/v1/kv/app/x?raw', { 'X-Consul-Token': READ })).text).toBe('v');
    expect((await call('GET', `/v1/kv/app/x?raw&token=${READ}`)).text).toBe('v');
    expect((await call('PUT', '/v1/kv/app/x', { 'X-Consul-Token': READ }, 'ro')).status).toBe(403);
    expect((await call('PUT', '/v1/ha/targets/t', { 'X-Consul-Token': READ }, '{"Value":"v"}')).status).toBe(403);
    expect((await call('PUT', '/v1/agent/leave', { 'X-Consul-Token': READ })).status).toBe(403);
  });

  it('the management token reads and writes, by header, bearer or ?token', async () => {
    expect((await call('PUT', '/v1/kv/app/y', { 'X-Consul-Token': MGMT }, '1')).status).toBe(200);
    expect((await call('PUT', '/v1/kv/app/y', { Authorization: `Bearer ${MGMT}` }, '2')).status).toBe(200);
    expect((await call('PUT', `/v1/kv/app/y?token=${MGMT}`, {}, '3')).status).toBe(200);
    expect((await call('GET', '/v1/kv/app/y?raw', { 'X-Consul-Token': MGMT })).text).toBe('3');
    expect((await call('GET', '/v1/operator/raft/configuration', { 'X-Consul-Token': MGMT })).status).toBe(200);
  });

  it('the npm consul client works with its token and is refused without', async () => {
    const [host, port] = p.http.split(':');
    const withToken: LooseConsul = new (Consul as LooseConsul)({ host, port: Number(port), defaults: { token: MGMT, timeout: 5000 } });
    const anon: LooseConsul = new (Consul as LooseConsul)({ host, port: Number(port), defaults: { timeout: 5000 } });
    expect(await withToken.kv.set('client/k', 'hello')).toBe(true);
    expect((await withToken.kv.get('client/k')).Value).toBe('hello');
    await expect(anon.kv.get('client/k')).rejects.toThrow(/Permission denied|403/);
    await expect(anon.kv.set('client/k', 'x')).rejects.toThrow(/Permission denied|403/);
  });

  it('no token is printed, logged or on the command line', async () => {
    const self = await call('GET', '/v1/agent/self', { 'X-Consul-Token': MGMT });
    const cmdline = readFileSync(`/proc/${p.child.pid}/cmdline`, 'utf8');
    for (const text of [p.log.join('\n'), self.text, cmdline]) {
      expect(text).not.toContain(MGMT);
      expect(text).not.toContain(READ);
    }
    expect(p.log.join('\n')).toContain('ACL: default policy deny, management token set, read token set');
  });
});

describe('a follower under deny', () => {
  it('checks the token itself and forwards it with the request to the leader', async () => {
    const tokenFile = join(root, 'mgmt.token');
    const l = await startAgent('fl1', join(root, 'fl1'), ['--bootstrap-expect', '1', '--acl-token-file', tokenFile]);
    await waitUntil(async () => (await fetch(`http://${l.http}/v1/status/leader`)).status === 200 && (await (await fetch(`http://${l.http}/v1/status/leader`)).text()).length > 4, 'fl1 to lead', 30_000);
    const f = await startAgent('fl2', join(root, 'fl2'), ['--join', l.serf, '--acl-token-file', tokenFile]);
    await waitUntil(async () => ((await (await fetch(`http://${f.http}/v1/status/peers`)).json()) as string[]).length === 2, 'fl2 to join Raft', 30_000);
    const via = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => fetch(`http://${f.http}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(10_000) });
    expect((await via('PUT', '/v1/kv/fwd', {}, 'x')).status).toBe(403);
    await waitUntil(async () => (await via('PUT', '/v1/kv/fwd', { 'X-Consul-Token': MGMT }, 'y')).status === 200, 'a forwarded write', 20_000);
    expect((await via('PUT', `/v1/kv/fwd2?token=${MGMT}`, {}, 'z')).status).toBe(200);
    expect(await (await via('GET', '/v1/kv/fwd?raw', { 'X-Consul-Token': MGMT })).text()).toBe('y');
    expect((await via('GET', '/v1/kv/fwd?raw')).status).toBe(403);
  }, 90_000);
});

describe('configuration', () => {
  it('bad ACL flags: one line, exit 2, the token never echoed', () => {
    const cases: [string[], RegExp][] = [
      [['--acl-default-policy', 'maybe'], /--acl-default-policy wants allow or deny/],
      [['--acl-token-file', join(root, 'missing')], /--acl-token-file .*missing: ENOENT/],
      [['--acl-token', 'abc-secret', '--acl-token-file', join(root, 'mgmt.token')], /give --acl-token or --acl-token-file, not both/],
    ];
    for (const [args, msg] of cases) {
      const r = spawnSync(process.execPath, [BIN, 'agent', '--dev', ...args], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr + r.stdout).not.toContain('abc-secret');
      expect(r.stderr + r.stdout).not.toContain(MGMT);
    }
  });

  it('a script the agent runs does not inherit the token or cluster-key environment variables', async () => {
    const envFile = join(root, 'script-env');
    const a = await startAgent('envcheck', join(root, 'envcheck'), ['--dev', '--enable-script-checks'], undefined, { HANODE_ACL_TOKEN: 'env-mgmt-tok', HANODE_ACL_READ_TOKEN: 'env-read-tok' });
    const r = await fetch(`http://${a.http}/v1/agent/check/register`, {
      method: 'PUT',
      headers: { 'X-Consul-Token': 'env-mgmt-tok' },
      body: JSON.stringify({ Name: 'env', Args: ['/bin/sh', '-c', `env > ${envFile}.tmp && mv ${envFile}.tmp ${envFile}`], Interval: '30s' }),
    });
    expect(r.status).toBe(200);
    await waitUntil(() => existsSync(envFile), 'the script to run', 20_000);
    const env = readFileSync(envFile, 'utf8');
    expect(env).toMatch(/^PATH=/m);
    expect(env).not.toContain('env-mgmt-tok');
    expect(env).not.toContain('env-read-tok');
    // The launcher hands every agent the cluster key in HANODE_ENCRYPT: a script must not see it.
    expect(env).not.toContain(TEST_CLUSTER_KEY);
  }, 60_000);

  it('--dev defaults to allow; --acl-default-policy deny closes it', async () => {
    for (const [policy, want] of [[undefined, 200], ['deny', 403]] as const) {
      const a = new Agent({ node: 'd', dev: true, ...(policy ? { aclDefaultPolicy: policy } : {}), bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
      try {
        const http = (await a.start()).http;
        await waitUntil(() => a.node().replicator.isLeader(), 'leader');
        expect((await fetch(`http://${http}/v1/kv/k`, { method: 'PUT', body: 'v' })).status).toBe(want);
        expect((await fetch(`http://${http}/v1/agent/self`)).status).toBe(want);
      } finally {
        await a.stop();
      }
    }
  }, 180_000);

  it('the decision table', () => {
    const acl = (defaultPolicy: 'allow' | 'deny', mgmt?: string, read?: string): AclConfig => ({ defaultPolicy, ...(mgmt ? { managementToken: mgmt } : {}), ...(read ? { readToken: read } : {}) });
    // allow without tokens: everything (--dev).
    expect(allowed(acl('allow'), '/v1/kv/a', undefined, 'write')).toBe(true);
    // allow with a management token: anonymous reads, writes need the token.
    expect(allowed(acl('allow', 'm'), '/v1/kv/a', undefined, 'read')).toBe(true);
    expect(allowed(acl('allow', 'm'), '/v1/kv/a', undefined, 'write')).toBe(false);
    expect(allowed(acl('allow', 'm'), '/v1/kv/a', 'm', 'write')).toBe(true);
    // deny: tokens only.
    expect(allowed(acl('deny', 'm', 'r'), '/v1/kv/a', undefined, 'read')).toBe(false);
    expect(allowed(acl('deny', 'm', 'r'), '/v1/kv/a', 'r', 'read')).toBe(true);
    expect(allowed(acl('deny', 'm', 'r'), '/v1/kv/a', 'r', 'write')).toBe(false);
    expect(allowed(acl('deny', 'm', 'r'), '/v1/kv/a', 'm', 'write')).toBe(true);
    expect(allowed(acl('deny', 'm', 'r'), '/v1/kv/a', 'mm', 'read')).toBe(false);
    expect(allowed(acl('deny', 'm', 'r'), '/v1/kv/a', '', 'read')).toBe(false);
    expect(allowed(acl('deny'), '/v1/status/leader', undefined, 'read')).toBe(true);
    expect(allowed(acl('deny'), '/v1/status/leader', undefined, 'write')).toBe(false);
  });
});
