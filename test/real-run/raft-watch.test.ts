/**
 * The outside view of Raft safety a real run judges (src/real-run/raft-watch.ts): one leader
 * per term and terms that never go back. The broken variants (two agents leading in one term;
 * a term going back) must fail; leader changes are counted from distinct leaderships.
 */
import { describe, expect, it } from 'vitest';
import { RaftWatch } from '../../src/real-run/raft-watch.ts';
import { RealCluster } from '../../src/real-run/cluster.ts';
import type { ExpectationSpec } from '../../src/scenario/types.ts';

const safety: ExpectationSpec = { kind: 'raft-safety', module: 'raft', params: undefined, name: 'raft safety' } as ExpectationSpec;
const changes = (n: number): ExpectationSpec => ({ kind: 'max-leader-changes', module: 'raft', params: n, name: `at most ${n}` }) as ExpectationSpec;

describe('real-run raft watch', () => {
  it('passes a clean succession, fails two leaders in a term and a term going back', async () => {
    const cluster = new RealCluster(['a', 'b', 'c'], 42_000);
    try {
      const ok = new RaftWatch(cluster, 0);
      ok.record({ node: 'a', leader: true, term: 1, commit: 1 }, 100);
      ok.record({ node: 'b', leader: false, term: 1, commit: 1 }, 100);
      ok.record({ node: 'a', leader: true, term: 1, commit: 2 }, 200);
      ok.record({ node: 'b', leader: true, term: 2, commit: 3 }, 300);
      ok.record({ node: 'a', leader: false, term: 2, commit: 3 }, 300);
      expect(ok.evaluate(safety).status).toBe('pass');
      expect(ok.evaluate(safety).detail).toMatch(/PARTIAL/);
      expect(ok.evaluate(changes(1)).status).toBe('pass');
      expect(ok.evaluate(changes(0)).status).toBe('fail');

      const two = new RaftWatch(cluster, 0);
      two.record({ node: 'a', leader: true, term: 3, commit: 1 }, 100);
      two.record({ node: 'c', leader: true, term: 3, commit: 1 }, 100);
      expect(two.evaluate(safety).status).toBe('fail');
      expect(two.evaluate(safety).detail).toMatch(/two leaders in term 3/);

      const back = new RaftWatch(cluster, 0);
      back.record({ node: 'a', leader: false, term: 5, commit: 1 }, 100);
      back.record({ node: 'a', leader: false, term: 4, commit: 1 }, 200);
      expect(back.evaluate(safety).status).toBe('fail');
    } finally {
      await cluster.stopAll();
    }
  });
});
