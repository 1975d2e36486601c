/**
 * The HTTP API of a --dev agent (real Raft + store in memory, real sockets on 127.0.0.1),
 * driven by the npm `consul` client unmodified and by raw requests for Consul's exact
 * shapes, headers and error codes.
 */
import Consul from 'consul';

/** The client's typings are stricter than its runtime (strings for indexes, nullable results); tests use it as plain JS. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseConsul = any;
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Agent } from '../../src/hanode/agent.ts';
import { waitUntil } from '../support/patience.ts';

let agent: Agent;
let base: string;
let consul: LooseConsul;

async function req(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const waitFor = (cond: () => Promise<boolean> | boolean, what: string): Promise<void> => waitUntil(cond, what);

beforeAll(async () => {
  agent = new Agent({ node: 'dev1', dev: true, bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
  const addrs = await agent.start();
  base = `http://${addrs.http}`;
  const [host, port] = addrs.http.split(':');
  consul = new (Consul as LooseConsul)({ host: host!, port: Number(port) });
  await waitFor(() => agent.node().replicator.isLeader(), 'dev leader');
  // The leader registers itself in the catalog (serfHealth), which sessions need.
  await waitFor(() => agent.node().store.catalog.checkStatus('dev1', 'serfHealth') === 'passing', 'self in catalog');
}, 180_000);

afterAll(async () => {
  await agent?.stop();
});

describe('KV', () => {
  it('set/get/keys/del with url-encoded keys, uint64 flags and cas', async () => {
    expect(await consul.kv.set('app/a', 'one')).toBe(true);
    expect(await consul.kv.set({ key: 'app/b/c', value: 'two', flags: '18446744073709551615' })).toBe(true);
    const a = await consul.kv.get('app/a');
    expect(a.Value).toBe('one');
    expect(a.Key).toBe('app/a');
    // Raw shape: flags as an exact uint64 JSON number, Value base64.
    const raw = await req('GET', '/v1/kv/app%2Fb%2Fc');
    expect(raw.text).toContain('"Flags":18446744073709551615');
    expect(raw.text).toContain(`"Value":"${Buffer.from('two').toString('base64')}"`);
    expect(raw.headers.get('content-type')).toBe('application/json');
    expect(await consul.kv.keys('app/')).toEqual(['app/a', 'app/b/c']);
    expect(await consul.kv.keys({ key: 'app/', separator: '/' })).toEqual(['app/a', 'app/b/']);
    // cas: a stale index fails, the current one wins, cas=0 only creates.
    expect(await consul.kv.set({ key: 'app/a', value: 'x', cas: String(a.ModifyIndex - 1) })).toBeFalsy(); // the client turns a `false` body into undefined
    expect(await consul.kv.set({ key: 'app/a', value: 'two', cas: String(a.ModifyIndex) })).toBe(true);
    expect(await consul.kv.set({ key: 'app/a', value: 'x', cas: '0' })).toBeFalsy(); // the client turns a `false` body into undefined
    expect(await consul.kv.set({ key: 'app/new', value: 'x', cas: '0' })).toBe(true);
    expect((await consul.kv.get('app/a')).Value).toBe('two');
    // Presence rule: ?recurse=false still recurses.
    const rec = await req('GET', '/v1/kv/app/?recurse=false');
    expect(JSON.parse(rec.text)).toHaveLength(3);
    expect(await consul.kv.del({ key: 'app/', recurse: true })).toBe(true);
    expect(await consul.kv.get('app/a')).toBeUndefined();
  });

  it('answers a missing key 404 with index headers (never 0), and ?raw with the bytes', async () => {
    const r = await req('GET', '/v1/kv/nope');
    expect(r.status).toBe(404);
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(0);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    expect(r.headers.get('x-consul-lastcontact')).toBe('0');
    await consul.kv.set('rawkey', 'bytes!');
    const raw = await req('GET', '/v1/kv/rawkey?raw');
    expect(raw.text).toBe('bytes!');
  });

  it('a watch sees a change', async () => {
    await consul.kv.set('watched', 'v1');
    const watch = consul.watch({ method: consul.kv.get, options: { key: 'watched', wait: '5s' } });
    const seen: string[] = [];
    const errors: unknown[] = [];
    watch.on('change', (data: { Value?: string } | undefined) => seen.push(data?.Value ?? '(none)'));
    watch.on('error', (e: unknown) => errors.push(e));
    try {
      await waitFor(() => seen.length >= 1, 'first watch result');
      await consul.kv.set('watched', 'v2');
      await waitFor(() => seen.includes('v2'), 'watch to see v2');
      expect(errors).toEqual([]);
    } finally {
      watch.end();
    }
  });

  it('a blocking query waits for a change past its index, and times out with the same index', async () => {
    await consul.kv.set('blk', '1');
    const first = await req('GET', '/v1/kv/blk');
    const idx = Number(first.headers.get('x-consul-index'));
    const t0 = Date.now();
    const timedOut = await req('GET', `/v1/kv/blk?index=${idx}&wait=300ms`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Number(timedOut.headers.get('x-consul-index'))).toBe(idx);
    const pending = req('GET', `/v1/kv/blk?index=${idx}&wait=5s`);
    setTimeout(() => void consul.kv.set('blk', '2'), 100);
    const woke = await pending;
    expect(Number(woke.headers.get('x-consul-index'))).toBeGreaterThan(idx);
    expect(JSON.parse(woke.text)[0].Value).toBe(Buffer.from('2').toString('base64'));
  });

  it('txn: all or nothing, 409 naming the failing operation', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const ok = await req('PUT', '/v1/txn', JSON.stringify([{ KV: { Verb: 'set', Key: 't/a', Value: b64('1') } }, { KV: { Verb: 'set', Key: 't/b', Value: b64('2') } }]));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).Errors).toBeNull();
    const bad = await req('PUT', '/v1/txn', JSON.stringify([{ KV: { Verb: 'set', Key: 't/c', Value: b64('3') } }, { KV: { Verb: 'check-not-exists', Key: 't/a' } }]));
    expect(bad.status).toBe(409);
    expect(JSON.parse(bad.text).Errors[0].OpIndex).toBe(1);
    expect(await consul.kv.get('t/c')).toBeUndefined();
  });
});

describe('sessions and locks', () => {
  it('acquire is exclusive, release frees, destroy releases, renew and info work', async () => {
    const s1 = (await consul.session.create({ name: 'a', ttl: '15s', lockdelay: '0s' })).ID;
    const s2 = (await consul.session.create({ name: 'b', lockdelay: '0s' })).ID;
    expect(await consul.kv.set({ key: 'lock', value: 'me', acquire: s1 })).toBe(true);
    expect(await consul.kv.set({ key: 'lock', value: 'you', acquire: s2 })).toBeFalsy(); // the client turns a `false` body into undefined
    const held = await consul.kv.get('lock');
    expect(held.Session).toBe(s1);
    expect(held.LockIndex).toBe(1);
    expect(await consul.kv.set({ key: 'lock', value: 'me', release: s1 })).toBe(true);
    expect(await consul.kv.set({ key: 'lock', value: 'you', acquire: s2 })).toBe(true);
    expect((await consul.kv.get('lock')).LockIndex).toBe(2);
    const info = await consul.session.info(s1);
    expect(info.ID).toBe(s1);
    expect(info.TTL).toBe('15s');
    const renewed = await consul.session.renew(s1);
    expect(renewed[0].ID).toBe(s1);
    expect((await consul.session.list()).map((s: { ID: string }) => s.ID)).toEqual(expect.arrayContaining([s1, s2]));
    expect((await consul.session.node('dev1')).length).toBeGreaterThanOrEqual(2);
    await consul.session.destroy(s2);
    await waitFor(async () => (await consul.kv.get('lock')).Session === undefined, 'lock released on destroy');
  });

  it('unknown sessions are 4xx with a message', async () => {
    const acq = await req('PUT', '/v1/kv/l2?acquire=00000000-0000-0000-0000-000000000000', 'x');
    expect(acq.status).toBe(400);
    expect(acq.text).toMatch(/session/i);
    const renew = await req('PUT', '/v1/session/renew/00000000-0000-0000-0000-000000000000');
    expect(renew.status).toBe(404);
  });
});

describe('services and health', () => {
  it('TTL checks drive health queries', async () => {
    await consul.agent.service.register({ name: 'web', id: 'web1', port: 8080, tags: ['v1'], check: { ttl: '30s' } });
    const services = await consul.agent.service.list();
    expect(services.web1.Service).toBe('web');
    // A new check starts critical: not in the passing set.
    expect(await consul.health.service({ service: 'web', passing: true })).toEqual([]);
    await consul.agent.check.pass('service:web1');
    await waitFor(async () => (await consul.health.service({ service: 'web', passing: true })).length === 1, 'web passing');
    const [entry] = await consul.health.service({ service: 'web', passing: true });
    expect(entry.Service.Port).toBe(8080);
    expect(entry.Node.Node).toBe('dev1');
    expect(entry.Checks.map((c: { CheckID: string }) => c.CheckID).sort()).toEqual(['serfHealth', 'service:web1']);
    await consul.agent.check.fail('service:web1');
    expect(await consul.health.service({ service: 'web', passing: true })).toEqual([]);
    const critical = await consul.health.state('critical');
    expect(critical.map((c: { CheckID: string }) => c.CheckID)).toContain('service:web1');
    expect(await consul.catalog.service.list()).toHaveProperty('web', ['v1']);
    const checks = await consul.health.checks('web');
    expect(checks[0].Status).toBe('critical');
    await consul.agent.service.deregister('web1');
    expect(await consul.agent.service.list()).toEqual({});
  });

  it('HTTP and TCP checks are run by the agent and drive health', async () => {
    const http = await import('node:http');
    let healthy = true;
    const srv = http.createServer((_q, r) => (r.writeHead(healthy ? 200 : 503), r.end(healthy ? 'ok' : 'no')));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    try {
      await consul.agent.service.register({
        name: 'probed',
        id: 'probed1',
        port,
        checks: [
          { http: `http://127.0.0.1:${port}/health`, interval: '200ms', timeout: '1s' },
          { tcp: `127.0.0.1:${port}`, interval: '200ms', timeout: '1s' },
        ],
      });
      await waitFor(async () => (await consul.health.service({ service: 'probed', passing: true })).length === 1, 'probed passing');
      const checks = await consul.agent.check.list();
      expect(checks['service:probed1:1'].Type).toBe('http');
      expect(checks['service:probed1:2'].Type).toBe('tcp');
      healthy = false;
      await waitFor(async () => (await consul.health.service({ service: 'probed', passing: true })).length === 0, 'probed failing');
      expect((await consul.agent.check.list())['service:probed1:1'].Status).toBe('critical');
    } finally {
      await consul.agent.service.deregister('probed1');
      srv.close();
    }
  });

  it('catalog register/deregister (low-level API) and datacenters', async () => {
    await consul.catalog.register({ node: 'ext1', address: '10.1.1.1', service: { service: 'db', port: 5432, tags: ['primary'] }, check: { name: 'db up', status: 'passing', serviceid: 'db' } });
    const nodes = await consul.catalog.service.nodes('db');
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ Node: 'ext1', Address: '10.1.1.1', ServiceName: 'db', ServicePort: 5432, ServiceTags: ['primary'] });
    expect(await consul.health.service({ service: 'db', passing: true })).toHaveLength(1);
    expect(await consul.catalog.datacenters()).toEqual(['dc1']);
    await consul.catalog.deregister({ node: 'ext1' });
    expect(await consul.catalog.service.nodes('db')).toEqual([]);
    expect((await req('PUT', '/v1/catalog/register', '{"Node":"x"}')).status).toBe(400);
  });

  it('status leader and peers', async () => {
    const leader = await consul.status.leader();
    expect(leader).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await consul.status.peers()).toEqual([leader]);
  });
});

describe('bad input is answered 4xx and the daemon keeps serving', () => {
  it('malformed JSON, wrong methods, oversized values, bad indexes, conflicting flags, unknown paths', async () => {
    const badJson = await req('PUT', '/v1/session/create', '{nope');
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('content-type')).toMatch(/^text\/plain/);
    const method = await req('POST', '/v1/kv/x', 'v');
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toContain('PUT');
    const big = await req('PUT', '/v1/kv/big', 'x'.repeat(512 * 1024 + 1));
    expect(big.status).toBe(413);
    expect((await req('GET', '/v1/kv/x?index=abc')).status).toBe(400);
    expect((await req('GET', '/v1/kv/x?wait=forever')).status).toBe(400);
    const both = await req('GET', '/v1/kv/x?stale&consistent');
    expect(both.status).toBe(400);
    expect(both.text).toMatch(/stale/);
    expect((await req('GET', '/v1/nothing/here')).status).toBe(404);
    expect((await req('GET', '/v1/kv/x?dc=elsewhere')).text).toBe('No path to datacenter');
    expect((await req('GET', '/v1/kv/x?dc=dc1')).status).toBe(404);
    expect((await req('PUT', '/v1/txn', '{"not":"an array"}')).status).toBe(400);
    expect((await req('PUT', '/v1/agent/service/register', '{"Port":"x"}')).status).toBe(400);
    expect((await req('PUT', '/v1/kv/k?flags=-1', 'v')).status).toBe(400);
    expect((await req('PUT', '/v1/kv/k?cas=x', 'v')).status).toBe(400);
    expect((await req('GET', '/v1/health/state/bogus')).status).toBe(400);
    // Still serving.
    expect(await consul.kv.set('after', 'ok')).toBe(true);
    expect((await consul.kv.get('after')).Value).toBe('ok');
  });
});

describe('fuzzed requests', () => {
  it('random methods, paths, queries and bodies get 2xx/4xx (never 5xx) and the daemon keeps serving', async () => {
    const paths = ['/v1/kv/', '/v1/kv/a%2Fb', '/v1/txn', '/v1/session/create', '/v1/session/renew/x', '/v1/session/info/', '/v1/agent/service/register',
      '/v1/agent/check/register', '/v1/agent/check/pass/x', '/v1/agent/check/update/x', '/v1/health/service/x', '/v1/health/state/', '/v1/catalog/service/',
      '/v1/operator/autopilot/configuration', '/v1/ha/targets/x', '/v1/ha/groups/g', '/v1/kv/%ZZ', '/v1/unknown'];
    const queries = ['', '?recurse', '?cas=abc', '?cas=0', '?flags=99999999999999999999999', '?acquire=nope', '?index=1&wait=1ms', '?keys&separator=/', '?raw', '?stale&consistent', '?index=-5'];
    const bodies = fc.oneof(fc.constant(''), fc.string(), fc.json(), fc.constant('[{"KV":{"Verb":"cas","Key":"k","Index":"x"}}]'), fc.constant('{"Name":"s","TTL":"1y"}'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'DELETE', 'POST'), fc.constantFrom(...paths), fc.constantFrom(...queries), bodies, async (method, path, query, body) => {
        const r = await req(method, path + query, method === 'GET' ? undefined : body);
        return r.status < 500;
      }),
      { numRuns: 150 },
    );
    expect(await consul.kv.set('still', 'alive')).toBe(true);
  });
});

describe('operator, metrics, self', () => {
  it('raft configuration, autopilot, prometheus metrics', async () => {
    const conf = JSON.parse((await req('GET', '/v1/operator/raft/configuration')).text);
    expect(conf.Servers).toHaveLength(1);
    expect(conf.Servers[0]).toMatchObject({ ID: 'dev1', Leader: true, Voter: true });
    const ap = JSON.parse((await req('GET', '/v1/operator/autopilot/configuration')).text);
    expect(ap.MaxTrailingLogs).toBe(250);
    const health = JSON.parse((await req('GET', '/v1/operator/autopilot/health')).text);
    expect(health.Healthy).toBe(true);
    const prom = await req('GET', '/v1/agent/metrics?format=prometheus');
    expect(prom.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(prom.text).toMatch(/^# TYPE hanode_raft_is_leader gauge$/m);
    expect(prom.text).toMatch(/^hanode_raft_is_leader 1$/m);
    expect(prom.text).toMatch(/^hanode_raft_storage_records_cut 0$/m); // issue 15: repair counters
    const json = JSON.parse((await req('GET', '/v1/agent/metrics')).text);
    expect(json.Gauges.some((g: { Name: string }) => g.Name === 'hanode.raft.term')).toBe(true);
    const self = JSON.parse((await req('GET', '/v1/agent/self')).text);
    expect(self.Config.NodeName).toBe('dev1');
  });
});

describe('client CLI', () => {
  it('kv put/get/del, members and operator raft list-peers against the agent', async () => {
    const { execFile } = await import('node:child_process');
    const { join } = await import('node:path');
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'hanode.js');
    // Asynchronous: the agent runs in this process and must keep serving while the CLI runs.
    const cli = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [bin, ...args, '--http-addr', base.replace('http://', '')], { timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        ),
      );
    expect((await cli('kv', 'put', 'cli/key', 'hello world')).stdout).toMatch(/Success! Data written to: cli\/key/);
    const got = await cli('kv', 'get', 'cli/key');
    expect(got.status).toBe(0);
    expect(got.stdout).toBe('hello world\n');
    expect((await cli('kv', 'del', 'cli/key')).status).toBe(0);
    const missing = await cli('kv', 'get', 'cli/key');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/No key exists at: cli\/key/);
    const members = await cli('members');
    expect(members.stdout).toMatch(/^Node\s+Address\s+Status/m);
    expect(members.stdout).toMatch(/^dev1\s+127\.0\.0\.1:\d+\s+alive/m);
    expect((await cli('operator', 'raft', 'list-peers')).stdout).toMatch(/^dev1\s+dev1\s+127\.0\.0\.1:\d+\s+leader\s+true$/m);
  }, 180_000);
});

describe('ACL token', () => {
  it('writes need the token when one is configured; reads do not', async () => {
    const secured = new Agent({ node: 'dev2', dev: true, aclToken: 's3cret', bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, log: () => {} });
    const addrs = await secured.start();
    try {
      await waitFor(() => secured.node().replicator.isLeader(), 'secured leader');
      const url = `http://${addrs.http}/v1/kv/k`;
      expect((await fetch(url, { method: 'PUT', body: 'v' })).status).toBe(403);
      expect((await fetch(url, { method: 'PUT', body: 'v', headers: { 'X-Consul-Token': 's3cret' } })).status).toBe(200);
      expect((await fetch(`${url}?token=s3cret`, { method: 'PUT', body: 'w' })).status).toBe(200);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      await secured.stop();
    }
  });
});
