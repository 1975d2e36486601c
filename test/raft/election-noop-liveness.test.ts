/**
 * What the election no-op (Raft §8) changes, at the message level: the `noElectionNoop` mutant is
 * equivalent for SAFETY (docs/mutants.md) — a leader still commits an earlier term's entry only
 * once an entry of its own term commits (§5.4.2), and reads still wait for that (dissertation
 * §6.4 step 1) — but not for LIVENESS: without the no-op, entries of earlier terms, and every
 * read, wait for the next client write. With `commitOldTerms` as well it is Figure 8
 * (scenarios/raft-figure8.yaml, catalogue entry `figure8`).
 */
import { describe, expect, it } from 'vitest';
import type { RaftMutation } from '../../src/core/raft/index.ts';
import type { ReadResult } from '../../src/core/raft/api.ts';
import { StepHarness } from './step-harness.ts';

const N3 = ['n1', 'n2', 'n3'];

/** n1 (log [1, 2]: entry 2 of term 2 never committed) is elected in term 3, replication runs to quiet, and a read is asked. */
function newLeaderWithOldEntry(mutations: readonly RaftMutation[]) {
  const h = new StepHarness();
  h.add('n1', { voters: N3, log: [1, 2], term: 2, mutations });
  h.add('n2', { voters: N3, log: [1, 2], term: 2, mutations });
  h.add('n3', { voters: N3, log: [1], term: 2, mutations });
  const r = h.elect('n1');
  h.exchange();
  let read: ReadResult | undefined;
  r.readBarrier((x) => (read = x));
  for (let k = 0; k < 5; k++) {
    h.advance(60_000); // heartbeat rounds confirm leadership for the read
    h.exchange();
  }
  return { h, r, read: () => read };
}

describe('the election no-op (§8)', () => {
  it('with it, the new leader commits its no-op, entry 2 with it, and answers reads at once', () => {
    const { h, r, read } = newLeaderWithOldEntry([]);
    expect(h.terms('n3')).toEqual([1, 2, 3]); // entry 2 and the term-3 no-op everywhere
    expect(r.commitIndex()).toBe(3);
    expect(read()).toEqual({ ok: true, index: 3 });
  });

  it('noElectionNoop: entry 2 sits on every node uncommitted and the read waits, until a client write commits', () => {
    const { h, r, read } = newLeaderWithOldEntry(['noElectionNoop']);
    expect(h.terms('n3')).toEqual([1, 2]); // replicated everywhere...
    expect(r.commitIndex()).toBeLessThan(2); // ...but of an earlier term: not committed by counting (safety kept)
    expect(read()).toBeUndefined(); // liveness lost: no read until an entry of term 3 commits
    r.propose('w', () => {});
    for (let k = 0; k < 5 && read() === undefined; k++) {
      h.advance(60_000);
      h.exchange();
    }
    expect(r.commitIndex()).toBe(3);
    expect(read()).toEqual({ ok: true, index: 3 });
  });

  it('noElectionNoop with commitOldTerms: entry 2 commits by counting, with no entry of term 3 after it (Figure 8 (c))', () => {
    const { h, r } = newLeaderWithOldEntry(['noElectionNoop', 'commitOldTerms']);
    expect(h.terms('n3')).toEqual([1, 2]);
    expect(r.commitIndex()).toBe(2);
  });
});
