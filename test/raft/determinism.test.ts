/** Same seed, same scenario ⇒ byte-identical trace (a Raft cluster under faults and load). */
import { describe, expect, it } from 'vitest';
import { ms, sec } from '../../src/core/env.ts';
import { Cluster, Workload } from './cluster.ts';

function run(seed: number): { hash: string; commit: number } {
  const c = new Cluster({ seed, voters: ['n1', 'n2', 'n3', 'n4', 'n5'], network: { loss: 0.02, duplicate: 0.02, reorder: 0.1 } }).start();
  c.world.nemesis({ ratePerMin: 30, durationMin: ms(100), durationMax: sec(2), until: sec(8) });
  new Workload(c, ms(10)).start();
  c.world.run(sec(12));
  return { hash: c.world.traceHash(), commit: Math.max(...c.live().map((r) => r.commitIndex())) };
}

describe('determinism', () => {
  it('the same seed gives the same trace hash; another seed a different one', () => {
    const a = run(99);
    const b = run(99);
    const other = run(100);
    expect(a.commit).toBeGreaterThan(100);
    expect(b).toEqual(a);
    expect(other.hash).not.toBe(a.hash);
  });
});
