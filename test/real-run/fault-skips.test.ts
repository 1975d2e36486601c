/**
 * Without nft (or root) a real run does not pretend: partitions, isolates and heals are listed
 * as skipped with the reason, as are kinds no real run can play (loss, clock skew); nothing is
 * done to the processes. Runs without root: the cluster here is never started.
 */
import { describe, expect, it } from 'vitest';
import { FaultPlayer } from '../../src/real-run/faults.ts';
import { RealCluster } from '../../src/real-run/cluster.ts';
import { TopologyIndex } from '../../src/scenario/topology.ts';
import { RealRoleView } from '../../src/real-run/roles.ts';
import type { ScheduledFault } from '../../src/sim/types.ts';
import { RealNemesis } from '../../src/real-run/nemesis.ts';

describe('real-run fault player without nft', () => {
  it('skips network faults with the reason and unplayable kinds by name', async () => {
    const topo = new TopologyIndex({ regions: [{ name: 'r', dcs: [{ name: 'd', nodes: ['n1', 'n2', 'n3'] }] }] });
    const cluster = new RealCluster(['n1', 'n2', 'n3'], 40_000);
    const t0 = performance.now();
    const p = new FaultPlayer(cluster, topo, undefined, 'not root (test)', t0, new RealRoleView(topo.spec, cluster, undefined, t0), undefined);
    const faults: ScheduledFault[] = [
      { at: 0, fault: { kind: 'partition', sides: [['n1'], ['n2', 'n3']] } },
      { at: 0, fault: { kind: 'isolate', target: 'n2' } },
      { at: 0, fault: { kind: 'loss', p: 0.5 } },
      { at: 0, fault: { kind: 'clock', node: 'n1', skew: 1_000_000 } },
      { at: 0, fault: { kind: 'heal' } },
    ];
    p.schedule(faults);
    for (let i = 0; i < 100 && p.skipped.length < faults.length; i++) await new Promise((r) => setTimeout(r, 20));
    await p.stop();
    await cluster.stopAll();
    expect(p.skipped.map((s) => s.kind)).toEqual(['partition', 'isolate', 'loss', 'clock', 'heal']);
    expect(p.skipped[0]!.reason).toBe('not root (test)');
    expect(p.skipped[3]!.reason).toMatch(/clock skew/);
    expect(p.played).toEqual([]);
  });

  it('a nemesis draws from the seed, hands each fault to the player (skipped here: no nft, no clock skew, no crash points) and stops at until', async () => {
    const topo = new TopologyIndex({ regions: [{ name: 'r', dcs: [{ name: 'd', nodes: ['n1', 'n2', 'n3'] }] }] });
    const cluster = new RealCluster(['n1', 'n2', 'n3'], 40_000);
    const t0 = performance.now();
    const roles = new RealRoleView(topo.spec, cluster, undefined, t0);
    const p = new FaultPlayer(cluster, topo, undefined, 'not root (test)', t0, roles, undefined);
    // 20 faults a second until 0.5 s: about 10 draws.
    const spec = { ratePerMin: 1200, durationMin: 100_000, durationMax: 200_000, until: 500_000, kinds: { partition: 1, clock: 1, 'crash-after-vote': 1 } };
    const n = new RealNemesis(spec, 3, p, roles, ['n1', 'n2', 'n3'], t0);
    n.start();
    await new Promise((r) => setTimeout(r, 1500));
    const drawn = n.drawn;
    await new Promise((r) => setTimeout(r, 300));
    n.stop();
    await p.stop();
    await cluster.stopAll();
    expect(n.drawn).toBe(drawn); // nothing drawn past until
    expect(drawn).toBeGreaterThan(0);
    expect(p.skipped.length).toBe(drawn);
    for (const s of p.skipped) expect(['partition', 'clock', 'crash-after-vote']).toContain(s.kind);
    expect(p.skipped.filter((s) => s.kind === 'partition').every((s) => s.reason === 'not root (test)')).toBe(true);
    expect(p.played).toEqual([]);
  });
});
