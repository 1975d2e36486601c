/**
 * KV clients through hanode's own /v1/kv route logic in the simulator's loop
 * (src/scenario/modules/kv-api.ts): requests reach a server, followers forward to the leader,
 * the history is judged by the linearizability checker — and a mode without a guarantee
 * (?stale) is caught by the same checker.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, prepareRun } from '../../src/scenario/index.ts';
import type { ApiServer } from '../../src/scenario/modules/kv-api.ts';

const FILE = 'scenarios/kv-api.yaml';
const SOURCE = readFileSync(FILE, 'utf8');

function run(source: string, seed?: number) {
  const sc = parseScenario(source, FILE);
  const r = prepareRun(sc, { keepHistory: true, ...(seed !== undefined ? { seed } : {}) });
  r.advanceTo(sc.durationUs);
  const result = r.finish();
  const servers = ['r1', 'r2', 'r3'].map((n) => r.world.app<{ apiServer?: ApiServer }>(n)?.apiServer);
  return { result, servers };
}

describe('KV through the daemon API, in-process', () => {
  it('is linearizable with default-mode reads, and followers forward to the leader', () => {
    const { result, servers } = run(SOURCE);
    expect(result.expectations.filter((v) => !v.passed).map((v) => v.detail)).toEqual([]);
    const fs = new Set(result.history!.map((e) => e.f));
    expect([...fs].sort()).toEqual(['cas', 'read', 'write']);
    const forwarded = servers.reduce((n, s) => n + (s?.stats.forwarded ?? 0), 0);
    const served = servers.reduce((n, s) => n + (s?.stats.served ?? 0), 0);
    expect(forwarded).toBeGreaterThan(100);
    expect(served).toBeGreaterThan(1000);
    // Some cas went through ?cas=<ModifyIndex> and succeeded, some were refused by index.
    const cas = result.history!.filter((e) => e.f === 'cas' && e.type !== 'invoke');
    expect(cas.some((e) => e.type === 'ok')).toBe(true);
    expect(cas.some((e) => e.type === 'fail')).toBe(true);
  });

  it('?stale reads (any server answers from its own state) are caught as not linearizable', () => {
    const { result } = run(SOURCE.replace('reads: default', 'reads: stale'), 1);
    const v = result.expectations.find((e) => e.kind === 'linearizable')!;
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/cannot be ordered|not linearizable/i);
  });

  it('the KV protocol path (a KV server hanode never runs) is retired: via accepts only api', () => {
    expect(() => parseScenario(SOURCE, FILE)).not.toThrow();
    expect(() => parseScenario(SOURCE.replace('  via: api\n', ''), FILE)).not.toThrow();
    expect(() => parseScenario(SOURCE.replace('  via: api\n', '  via: kv-protocol\n'), FILE)).toThrow(/expected "api", got "kv-protocol".*retired/);
  });
});

type Answer = { status: number; json?: unknown; text?: string } | undefined;

/** The kv-api scenario without its faults, run 3 s in, with a raw API call from a client node. */
function quietCluster() {
  const sc = parseScenario(SOURCE.replace(/\nfaults:[\s\S]*?\nexpect:/, '\nexpect:'), FILE);
  const r = prepareRun(sc);
  r.advanceTo(3_000_000);
  const call = (via: string, method: 'GET' | 'PUT' | 'DELETE', path: string, query: string, body = ''): Answer => {
    const client = r.world.app<{ kvClient?: import('../../src/scenario/modules/kv-api.ts').ApiKvClient }>(via)!.kvClient!;
    const box: { got?: Answer; answered: boolean } = { answered: false };
    client.request(method, path, query, body, (a) => Object.assign(box, { got: a, answered: true }));
    r.advanceTo(r.world.now() + 2_000_000);
    expect(box.answered).toBe(true);
    return box.got;
  };
  return { r, call };
}

describe('issue 14 regressions through the in-loop API', () => {
  it('DELETE ?recurse&cas is refused (400 Conflicting flags) and deletes nothing, also when a follower forwards it', () => {
    const { call } = quietCluster();
    for (const c of ['c1', 'c2', 'c3']) {
      expect(call(c, 'PUT', `kv/rc/${c}`, '', 'v')?.status).toBe(200);
      const del = call(c, 'DELETE', 'kv/rc/', 'recurse&cas=1');
      expect(del?.status).toBe(400);
      expect(del?.text).toMatch(/^Conflicting flags: /);
      expect(call(c, 'PUT', `kv/rc/${c}`, 'cas=0&acquire=x', 'w')?.status).toBe(400);
    }
    expect(call('c1', 'GET', 'kv/rc/', 'keys&consistent')?.json).toEqual(['rc/c1', 'rc/c2', 'rc/c3']);
  });

  it('a session created through a follower is bound to that follower, not to the leader it was forwarded to', () => {
    const { r, call } = quietCluster();
    type App = { raft?: import('../../src/scenario/modules/raft.ts').RaftPart };
    const servers = ['r1', 'r2', 'r3'];
    const leader = servers.find((n) => r.world.app<App>(n)?.raft?.core.replicator.isLeader())!;
    expect(leader).toBeDefined();
    // The catalog entries hanode's reconciler writes for live members (sessions need them).
    for (const n of servers) {
      r.world.app<App>(leader)!.raft!.core.coord.proposer.propose(
        { type: 'catalog.register', node: n, checks: [{ checkId: 'serfHealth', name: 'Serf Health Status', status: 'passing' }] },
        () => {},
      );
    }
    r.advanceTo(r.world.now() + 1_000_000);
    // Client c_i's local server is r_i: pick a client whose server follows.
    const i = servers.findIndex((n) => n !== leader);
    const created = call(`c${i + 1}`, 'PUT', 'session/create', '', '{"LockDelay":"0s"}');
    expect(created?.status).toBe(200);
    const id = (created!.json as { ID: string }).ID;
    const info = call(`c${i + 1}`, 'GET', `session/info/${id}`, 'consistent');
    expect((info?.json as { Node: string }[])[0]!.Node).toBe(servers[i]);
  });
});
