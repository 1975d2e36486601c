/**
 * ZooKeeper's guarantees in the simulator: the checker's rules each fail on a history that
 * breaks them; scenarios/zk-tree.yaml holds them for a few seeds (the 1,000-seed swarm is run
 * by hand: `hasim run scenarios/zk-tree.yaml --seeds 1..1000`); the broken variant (servers
 * that serve a client ahead of them) fails them with a session going back in zxid.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario } from '../../src/scenario/index.ts';
import { ZkGuaranteeChecker } from '../../src/sim/checkers/zk-guarantees.ts';

const zkVerdict = (file: string, seed: number) => {
  const r = runScenario(loadScenarioFile(file), { seed });
  return r.expectations.find((v) => v.kind === 'zk-guarantees')!;
};

describe('the ZooKeeper-guarantee checker', () => {
  it('passes a history that keeps every promise', () => {
    const c = new ZkGuaranteeChecker();
    c.issue('a', 0);
    c.serverZxid('a', 5, 'res', 10);
    c.complete('a', 0, 10);
    c.write({ client: 'a', invokeUs: 0, completeUs: 10, zxid: 5, what: 'w1' });
    c.write({ client: 'b', invokeUs: 11, completeUs: 20, zxid: 6, what: 'w2' });
    c.ephemeralCreated('/e', 's1', 5);
    c.read('b', '/e', 6, true, 5, 21);
    c.sessionRemoved('s1', 8);
    c.read('b', '/e', 8, false, undefined, 30);
    expect(c.verdict().violations).toEqual([]);
  });

  it('each rule fails on a history that breaks it', () => {
    const broken = (f: (c: ZkGuaranteeChecker) => void) => {
      const c = new ZkGuaranteeChecker();
      f(c);
      return c.verdict().violations.join('; ');
    };
    // 1. a write invoked after another completed took a smaller zxid
    expect(broken((c) => {
      c.write({ client: 'a', invokeUs: 0, completeUs: 10, zxid: 7, what: 'w1' });
      c.write({ client: 'b', invokeUs: 11, completeUs: 20, zxid: 6, what: 'w2' });
    })).toMatch(/had completed/);
    // 2. out-of-order completion, and a session's writes out of zxid order
    expect(broken((c) => {
      c.issue('a', 0);
      c.issue('a', 1);
      c.complete('a', 1, 5);
    })).toMatch(/before operation 0/);
    expect(broken((c) => {
      c.write({ client: 'a', invokeUs: 0, completeUs: 10, zxid: 7, what: 'w1' });
      c.write({ client: 'a', invokeUs: 0, completeUs: 11, zxid: 6, what: 'w2' });
    })).toMatch(/not after its earlier write/);
    // 3. back in time
    expect(broken((c) => {
      c.serverZxid('a', 9, 'res', 1);
      c.serverZxid('a', 8, 'connected', 2);
    })).toMatch(/went back in time/);
    // 4. a read shows a change before the data watch fired
    expect(broken((c) => {
      c.watchSet('a', '/k', 3);
      c.read('a', '/k', 9, true, 9, 5);
    })).toMatch(/before its data watch fired/);
    // 5. an ephemeral gone while its session lives, or there after it was removed
    expect(broken((c) => {
      c.ephemeralCreated('/e', 's1', 5);
      c.read('b', '/e', 7, false, undefined, 5);
    })).toMatch(/missing.*never removed/);
    expect(broken((c) => {
      c.ephemeralCreated('/e', 's1', 5);
      c.sessionRemoved('s1', 6);
      c.read('b', '/e', 7, true, 5, 5);
    })).toMatch(/present.*removed at zxid 6/);
  });
});

describe('scenarios/zk-tree.yaml', () => {
  it.each([1, 2, 3])('seed %i holds zk-guarantees', (seed) => {
    const v = zkVerdict('scenarios/zk-tree.yaml', seed);
    expect([v.passed, v.detail]).toEqual([true, v.detail]);
    expect(v.detail).toMatch(/[1-9]\d* writes, [1-9]\d* checked reads/);
  });

  it('the broken variant (a server serves a client ahead of it) fails: a session goes back in zxid', () => {
    const v = zkVerdict('scenarios/broken/zk-stale-reconnect.yaml', 18);
    expect(v.passed).toBe(false);
    expect(v.detail).toMatch(/went back in time/);
  });
});
