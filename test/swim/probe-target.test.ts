/**
 * Probe target selection (SwimConfig.probeTarget): memberlist's round robin visits every live
 * member once per pass; SWIM §3.1's random mode picks live members uniformly and never self or
 * a dead member. Seeded, so the counts are reproducible; bounds are generous.
 */
import { describe, expect, it } from 'vitest';
import { MemberTable, type MemberRecord } from '../../src/core/swim/member-table.ts';
import type { MemberStatus } from '../../src/core/swim/messages.ts';
import { EMPTY_META } from '../../src/core/swim/meta.ts';
import { swimConfig } from '../../src/core/swim/index.ts';
import { randomStream } from '../../src/host/random.ts';

const REAP_AFTER_US = 1e12; // nothing is reaped in these tests

function member(node: string, status: MemberStatus = 'alive'): MemberRecord {
  return { node, inc: 1, status, meta: EMPTY_META, sinceUs: 0, suspicion: undefined, quiet: false };
}

/** A table holding self ('m0') and members m1..m(n−1), with the given ones dead. */
function tableOf(n: number, seed: number, dead: readonly string[] = []): MemberTable {
  const t = new MemberTable(randomStream(seed, 'members'), 100, 60_000_000);
  for (let i = 0; i < n; i++) {
    const name = `m${i}`;
    t.add(member(name, dead.includes(name) ? 'dead' : 'alive'));
  }
  return t;
}

describe('probe target selection', () => {
  it('round robin probes every live member exactly once per pass, never self or the dead', () => {
    const t = tableOf(12, 7, ['m3', 'm8']);
    const live = 12 - 1 - 2;
    for (let pass = 0; pass < 5; pass++) {
      const seen: string[] = [];
      for (let i = 0; i < live; i++) seen.push(t.nextProbeTarget('m0', 0, REAP_AFTER_US, () => {})!.node);
      expect(new Set(seen).size).toBe(live);
      expect(seen).not.toContain('m0');
      expect(seen).not.toContain('m3');
      expect(seen).not.toContain('m8');
    }
  });

  it('random mode picks live members uniformly (chi-square, seeded), never self or the dead', () => {
    const n = 11; // self + 10 others, two of them dead: 8 eligible
    const t = tableOf(n, 3, ['m4', 'm9']);
    const draws = 8000;
    const counts = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const node = t.randomProbeTarget('m0', 0, REAP_AFTER_US, () => {})!.node;
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['m1', 'm10', 'm2', 'm3', 'm5', 'm6', 'm7', 'm8']);
    const expected = draws / 8;
    const chi2 = [...counts.values()].reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    // 7 degrees of freedom: P(chi2 > 24.3) ≈ 0.001. A biased pick (e.g. always the first live
    // member after a random slot, which favours members after dead ones) lands far above.
    expect(chi2).toBeLessThan(24.3);
  });

  it('random mode is not round robin: within one pass some member is probed twice', () => {
    const t = tableOf(21, 5);
    const seen = Array.from({ length: 20 }, () => t.randomProbeTarget('m0', 0, REAP_AFTER_US, () => {})!.node);
    expect(new Set(seen).size).toBeLessThan(20);
  });

  it('random mode finds the one live member of a mostly dead table and nothing in an empty one', () => {
    const dead = Array.from({ length: 48 }, (_, i) => `m${i + 2}`);
    const t = tableOf(50, 9, dead);
    for (let i = 0; i < 20; i++) expect(t.randomProbeTarget('m0', 0, REAP_AFTER_US, () => {})?.node).toBe('m1');
    const alone = tableOf(1, 9);
    expect(alone.randomProbeTarget('m0', 0, REAP_AFTER_US, () => {})).toBeUndefined();
  });

  it('the config defaults to round-robin and rejects an unknown mode', () => {
    expect(swimConfig().probeTarget).toBe('round-robin');
    expect(swimConfig({ probeTarget: 'random' }).probeTarget).toBe('random');
    expect(() => swimConfig({ probeTarget: 'nearest' as never })).toThrow(/probeTarget/);
  });
});
