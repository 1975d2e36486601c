/**
 * Why `commitBeyondVerified` survives every scenario (docs/mutants.md): it commits up to the
 * leader's commit over a follower's own log instead of stopping at the last entry the append
 * verified (Raft Figure 2, AppendEntries rule 5), which matters only if an accepted append ends
 * before the point where the follower's log leaves the leader's while the leader's commit is past
 * that point. This leader never sends one: after any rejection its next probe starts exactly at the
 * divergence point, so the first accepted append conflicts at its first entry and the older suffix
 * goes before the commit moves. Checked here over random pairs of Raft logs that share a prefix and
 * then diverge (each term written by one leader, so the two suffixes share no term but a run that
 * continues the prefix), longer than one append batch (64 entries): a new leader of the leader's
 * log, with a third voter holding a copy of it, replicates to the mutated follower, and the
 * follower-commit checker (src/sim/checkers/follower-commit.ts; it fires on this mutant with a
 * crafted append, test/raft/follower-commit-checker.test.ts) stays quiet while the follower ends
 * with the leader's log, every entry committed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FollowerCommitChecker } from '../../src/sim/checkers/follower-commit.ts';
import { StepHarness } from './step-harness.ts';

const N3 = ['n1', 'n2', 'n3'];

/** Nondecreasing runs of distinct terms: [term, length][] -> the terms of each entry. */
function expand(runs: readonly (readonly [number, number])[]): number[] {
  return runs.flatMap(([t, n]) => Array.from({ length: n }, () => t));
}

/**
 * A shared prefix (entry 1 the bootstrap config, term 1), then the leader's and the follower's
 * suffixes: disjoint term sets drawn from the terms above the prefix, each side's terms in order;
 * one side may first continue the prefix's last term.
 */
const logPair = fc
  .record({
    ones: fc.integer({ min: 0, max: 40 }),
    shared: fc.integer({ min: 0, max: 40 }),
    terms: fc.uniqueArray(fc.integer({ min: 2, max: 12 }), { minLength: 2, maxLength: 6 }),
    sides: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    lengths: fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 6, maxLength: 6 }),
    continueRun: fc.integer({ min: 0, max: 60 }),
    continueOnLeader: fc.boolean(),
  })
  .map(({ ones, shared, terms, sides, lengths, continueRun, continueOnLeader }) => {
    const [base, ...rest] = [...terms].sort((a, b) => a - b) as [number, ...number[]];
    // The shared prefix: the config entry and `ones` entries of term 1, then `shared` of term `base`.
    const prefix = [1, ...expand([[1, ones], [base, shared]])];
    const leader: [number, number][] = [];
    const follower: [number, number][] = [];
    if (continueRun > 0) (continueOnLeader ? leader : follower).push([prefix[prefix.length - 1]!, continueRun]);
    rest.forEach((t, k) => (sides[k] ? leader : follower).push([t, lengths[k]!]));
    return { prefix, leader: [...prefix, ...expand(leader)], follower: [...prefix, ...expand(follower)] };
  })
  .filter(({ leader, follower }) => {
    // Divergent: the follower holds an entry where the leader's log differs or has ended.
    const d = follower.findIndex((t, i) => leader[i] !== t);
    return d >= 0;
  });

describe('commitBeyondVerified is unreachable from this leader', () => {
  it('a mutated follower with a divergent suffix never commits an entry that is not the leader\'s', () => {
    let withSuffixPastBatch = 0;
    fc.assert(
      fc.property(logPair, ({ prefix, leader, follower }) => {
        const h = new StepHarness();
        const checker = new FollowerCommitChecker({ throwOnViolation: false });
        const top = Math.max(...leader, ...follower);
        h.add('n1', { voters: N3, log: leader, term: top, mutations: ['commitBeyondVerified'] });
        h.add('n2', { voters: N3, log: follower, term: top, mutations: ['commitBeyondVerified'] });
        h.add('n3', { voters: N3, log: leader, term: top, mutations: ['commitBeyondVerified'] });
        for (const n of N3) checker.attach(h.node(n));
        h.elect('n1');
        for (let k = 0; k < 8; k++) {
          h.exchange(2_000);
          h.advance(60_000); // heartbeat rounds: commit news by min(match, commit)
        }
        h.exchange(2_000);
        const r1 = h.node('n1');
        if (follower.length - prefix.length > 64) withSuffixPastBatch++;
        expect(checker.violations).toEqual([]);
        expect(h.terms('n2')).toEqual(h.terms('n1'));
        expect(h.node('n2').commitIndex()).toBe(r1.lastIndex());
        expect(r1.commitIndex()).toBe(r1.lastIndex());
      }),
      { numRuns: 150, seed: 16 },
    );
    // The generator reaches the case that matters: divergent suffixes longer than one append batch.
    expect(withSuffixPastBatch).toBeGreaterThan(10);
  });
});
