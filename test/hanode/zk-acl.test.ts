/**
 * With an ACL token (`--acl-token`), the ZooKeeper port is no back door: writes need
 * `addauth digest hanode:<token>` (the agent's HTTP ACL decides, as for a request on path /zk); a wrong token fails the
 * session's authentication, as ZooKeeper does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/hanode/agent.ts';
import { Zk } from './zk-client.ts';

let agent: Agent;
let zk: string;
let http: string;

beforeAll(async () => {
  agent = new Agent({ node: 'zkacl', dev: true, aclToken: 's3cret', bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, zk: '127.0.0.1:0', log: () => {} });
  const addrs = await agent.start();
  zk = addrs.zk!;
  http = addrs.http;
}, 30_000);

afterAll(async () => {
  await agent?.stop();
}, 20_000);

describe('the ZooKeeper port with an ACL token', () => {
  it('writes need the token; reads do not', async () => {
    const z = await Zk.connect(zk, { autoAuth: false });
    try {
      expect(await z.create('/guarded', 'x')).toEqual({ ok: false, error: 'NO_AUTH' });
      expect((await z.exists('/')).ok).toBe(true);
      z.addAuth('digest', 'hanode:s3cret');
      expect(await z.create('/guarded', 'x')).toEqual({ ok: true, value: '/guarded' });
      expect(await z.multi((t) => t.setData('/guarded', Buffer.from('y')))).toMatchObject({ ok: true });
    } finally {
      z.close();
    }
  }, 30_000);

  it('a wrong token fails authentication', async () => {
    const z = await Zk.connect(zk, { autoAuth: false });
    try {
      const states: string[] = [];
      z.raw.on('state', (st) => states.push((st as { getName(): string }).getName()));
      z.addAuth('digest', 'hanode:wrong');
      const deadline = Date.now() + 10_000;
      while (!states.includes('AUTH_FAILED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // ZooKeeper answers AuthFailed and closes the connection; the client does not reconnect.
      expect(states).toContain('AUTH_FAILED');
      expect((await z.create('/nope', 'x')).ok).toBe(false);
    } finally {
      z.close();
    }
  }, 30_000);

  it('the agent\'s default policy and read token hold on this port as on HTTP (deny: no anonymous reads; read token: reads only)', async () => {
    const denying = new Agent({ node: 'zkdeny', dev: true, aclDefaultPolicy: 'deny', aclToken: 'mgmt', aclReadToken: 'reader', bind: '127.0.0.1', httpHost: '127.0.0.1', httpPort: 0, raftPort: 0, serfPort: 0, zk: '127.0.0.1:0', log: () => {} });
    const addr = (await denying.start()).zk!;
    try {
      const anon = await Zk.connect(addr, { autoAuth: false });
      try {
        expect(await anon.getData('/')).toEqual({ ok: false, error: 'NO_AUTH' });
      } finally {
        anon.close();
      }
      const reader = await Zk.connect(addr, { autoAuth: false });
      try {
        reader.addAuth('digest', 'hanode:reader');
        expect((await reader.getData('/')).ok).toBe(true);
        expect(await reader.create('/by-reader', 'x')).toEqual({ ok: false, error: 'NO_AUTH' });
      } finally {
        reader.close();
      }
    } finally {
      await denying.stop();
    }
  }, 30_000);

  it('a request past the tree protocol\'s wire bounds (a 5,000-character path) is refused and counted, and the port keeps serving', async () => {
    const badFrames = async () => {
      const text = await (await fetch(`http://${http}/v1/agent/metrics?format=prometheus`, { headers: { 'X-Consul-Token': 's3cret' } })).text();
      return Number(/^hanode_zk_bad_frames (\S+)$/m.exec(text)?.[1] ?? NaN);
    };
    const before = await badFrames();
    const z = await Zk.connect(zk, { autoAuth: false });
    try {
      z.addAuth('digest', 'hanode:s3cret');
      expect((await z.create(`/${'p'.repeat(5000)}`, 'x')).ok).toBe(false);
    } finally {
      z.close();
    }
    expect(await badFrames()).toBe(before + 1);
    const again = await Zk.connect(zk, { autoAuth: false });
    try {
      expect((await again.exists('/')).ok).toBe(true);
    } finally {
      again.close();
    }
  }, 30_000);
});
