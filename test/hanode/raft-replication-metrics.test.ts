/**
 * Metrics of issue 15 point 4, on a simulated cluster: a follower whose disk rotted mid-log reports
 * the records cut, recovering = 1 and fewer repaired than cut until its peers repaired it; the
 * leader reports each follower's lag.
 */
import { describe, expect, it } from 'vitest';
import { sec } from '../../src/core/env.ts';
import { raftReplicationMetrics } from '../../src/hanode/raft-replication-metrics.ts';
import { Cluster } from '../raft/cluster.ts';

function figures(raft: Parameters<typeof raftReplicationMetrics>[0]): Map<string, number> {
  const out = new Map<string, number>();
  const put = (name: string, _help: string, value: number, labels?: Readonly<Record<string, string>>) =>
    out.set(labels?.peer !== undefined ? `${name}{${labels.peer}}` : name, value);
  raftReplicationMetrics(raft, put, put);
  return out;
}

describe('raft replication and storage-repair metrics', () => {
  it('cut and repaired records, recovering, and per-follower lag', () => {
    const c = new Cluster({ seed: 15, voters: ['a', 'b', 'c'], throwOnViolation: false }).start();
    const l = c.waitStableLeader(sec(5))!;
    expect(l).toBeDefined();
    for (let i = 0; i < 20; i++) expect(c.write(`v${i}`, sec(2))).toBeDefined();
    c.world.runFor(sec(1));
    const f = c.ids.find((id) => id !== l.id())!;
    expect(figures(c.raft(f)).get('hanode.raft.storage.records_cut')).toBe(0);
    expect(figures(l).get(`hanode.raft.replication.lag{${f}}`)).toBe(0);
    c.world.inject({ kind: 'corrupt', node: f, where: 'mid', records: 2, for: sec(1) });
    c.world.runUntil(() => c.app(f) !== undefined && c.raft(f).recovering(), c.world.now() + sec(3));
    const during = figures(c.raft(f));
    expect(during.get('hanode.raft.storage.recovering')).toBe(1);
    const cut = during.get('hanode.raft.storage.records_cut')!;
    expect(cut).toBeGreaterThan(0);
    expect(during.get('hanode.raft.storage.records_repaired')).toBeLessThan(cut);
    expect(c.world.runUntil(() => c.app(f) !== undefined && !c.raft(f).recovering(), c.world.now() + sec(10))).toBe(true);
    c.world.runFor(sec(1));
    const after = figures(c.raft(f));
    expect(after.get('hanode.raft.storage.recovering')).toBe(0);
    expect(after.get('hanode.raft.storage.records_repaired')).toBe(cut);
    const leader = c.waitStableLeader(sec(5))!;
    const lf = figures(leader);
    for (const id of c.ids.filter((x) => x !== leader.id())) {
      expect(lf.get(`hanode.raft.replication.lag{${id}}`)).toBe(0);
      expect(lf.get(`hanode.raft.replication.repairing{${id}}`)).toBe(0);
    }
  });
});
