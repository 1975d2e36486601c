/**
 * Master election on the real ZooKeeper-style tree (3-node Raft ensemble): ephemeral-sequential
 * registration, lowest is master, a new master takes over when the old one's session expires.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { SERVERS, WRITE_EVERY, lostWrites, shardCluster } from './harness.ts';

describe('shard master election on the coordination tree', () => {
  it('elects the lowest registration, re-elects after the master dies, and keeps placing with no acknowledged write lost', () => {
    const c = shardCluster(31, sec(6), 'tree');
    c.world.runUntil(() => c.master() !== undefined && c.master()!.configs().length === 2, sec(30));
    const first = c.master()!;
    const firstId = SERVERS.find((s) => c.world.app(s) === first)!;
    // exactly one master
    expect(SERVERS.filter((s) => c.world.app<{ isMaster(): boolean }>(s)?.isMaster()).length).toBe(1);
    const t0 = c.world.now();
    c.workload(t0 + sec(1), t0 + sec(40), WRITE_EVERY);
    c.world.run(t0 + sec(5));
    c.world.inject({ kind: 'crash', node: firstId });
    const crashAt = c.world.now();
    const ok = c.world.runUntil(() => { const m = c.master(); return m !== undefined && m !== first; }, crashAt + sec(30));
    expect(ok).toBe(true);
    const took = c.world.now() - crashAt;
    console.log(`new master after ${(took / 1e6).toFixed(3)}s (session timeout 6 s)`);
    expect(took).toBeGreaterThan(sec(5)); // not before the old session could expire
    expect(SERVERS.filter((s) => c.world.app<{ isMaster(): boolean }>(s)?.isMaster()).length).toBe(1);
    // the new master fails a primary over (once it has adopted the configurations)
    c.world.runUntil(() => c.primaryOf('g1') !== undefined, c.world.now() + sec(5));
    const old = c.primaryOf('g1')!;
    c.world.inject({ kind: 'crash', node: old });
    c.world.run(c.world.now() + sec(15));
    expect(c.primaryOf('g1')).toBeDefined();
    expect(c.primaryOf('g1')).not.toBe(old);
    c.world.run(t0 + sec(45));
    expect(c.acked.size).toBeGreaterThan(100);
    expect(lostWrites(c)).toEqual([]);
  });
});
