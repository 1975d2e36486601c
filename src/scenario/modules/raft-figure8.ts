/**
 * `raft: figure8: [3s, 13s, ...]` — a directed nemesis that plays the schedule of the Raft
 * paper's Figure 8 (Ongaro & Ousterhout 2014, §5.4.2) on five voters, once per listed time.
 * Random faults almost never line it up (issue 16: 0 of 1,600 seeds), so this driver watches
 * the nodes' logs and roles and strikes at each step's precondition:
 *
 *  (a) leader L1 (term t1) and one follower F are cut off from the other three; a write W1 is
 *      proposed at L1 and reaches F only (index i1 lives on a minority);
 *  (b) L1 crashes; the three others (O) elect L2 (term t2 > t1), which is cut off at once and
 *      takes a write W2 of term t2 at index i1 that no one else gets; then L2 crashes;
 *  (c) L1 comes back with F and one of O (X); whichever of L1 / F leads (L3, term t3) replicates
 *      i1 to X: i1 is on a majority. The paper's rule: it is NOT committed until an entry of
 *      term t3 is. With the `commitOldTerms` mutant it commits at once — but with the election
 *      no-op (§8) it already has an entry of t3 riding along, which makes the commit safe; only
 *      `noElectionNoop` as well leaves i1 committed with no t3 entry after it;
 *  (d) L3 crashes; L2 comes back with X and Y (the last of O). L2's last term t2 beats their t1,
 *      so it wins and overwrites the committed i1: the Raft safety checker's leader completeness
 *      rule fires at the election. Unmutated, (c) never commits i1 without a t3 entry on X, so X
 *      refuses L2 and the round ends with no one lost.
 *
 * Each step waits (polling the nodes, ./directed-steps.ts) for its precondition for at
 * most STEP_US; a round that cannot go on ends early. Every round ends healed, every voter up.
 * Steps are traced as `figure8` events (step, nodes, terms, indexes) so a trace shows how far a
 * round got. Deterministic: it acts only on the simulated state at simulated instants.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import type { ServerRaft } from '../../core/node/index.ts';
import { applyFault } from '../../sim/faults.ts';
import type { World } from '../../sim/world.ts';
import type { View } from '../yaml-view.ts';
import { waitFor } from './directed-steps.ts';

/** How long a step waits: ten election timeouts of the default config (150-300 ms, src/core/raft/config.ts). */
const STEP_US = 3_000_000;
/** Time for a write to become durable before its node is crashed: 20 fsyncs of the simulated disk (1 ms, src/sim/disk-sync.ts). */
const DURABLE_US = 20_000;

interface Ports {
  readonly world: World;
  readonly voters: readonly NodeId[];
  readonly raftOf: (n: NodeId) => ServerRaft | undefined;
  /** Proposes a KV put on `n` (which leads): a client write that reached it. */
  readonly put: (n: NodeId, key: string, value: string) => void;
}

export class Figure8Driver {
  /** Rounds that reached step (d) (an election attempted after the old-term commit). */
  reachedD = 0;

  constructor(
    private readonly p: Ports,
    private readonly starts: readonly Micros[],
    private readonly endUs: Micros,
    /** Writes W1 proposed in (a): above maxEntriesPerAppend (64), the new leader's no-op of (c) reaches X one append after the old entries. */
    private readonly writes = 1,
  ) {}

  start(): void {
    if (this.p.voters.length !== 5) throw new Error('raft.figure8 needs exactly five voters (the paper\'s Figure 8)');
    this.starts.forEach((t, k) => this.p.world.at(t, () => this.roundA(k)));
  }

  private up(n: NodeId): ServerRaft | undefined {
    return this.p.world.isUp(n) ? this.p.raftOf(n) : undefined;
  }

  private leaderAmong(nodes: readonly NodeId[], aboveTerm: number): NodeId | undefined {
    return nodes.find((n) => {
      const r = this.up(n);
      return r !== undefined && r.isLeader() && r.term() > aboveTerm;
    });
  }

  private trace(round: number, step: string, fields: Record<string, unknown>): void {
    this.p.world.emit('figure8', { round, step, ...fields });
  }

  /** Polls `ready` until it returns a value (then `then`) or STEP_US passes (then the round ends). */
  private waitFor<T>(round: number, step: string, ready: () => T | undefined, then: (v: T) => void): void {
    waitFor(this.p.world, STEP_US, this.endUs, ready, then, () => this.end(round, `gave up waiting: ${step}`));
  }

  private end(round: number, how: string): void {
    const w = this.p.world;
    applyFault(w, { kind: 'heal' });
    for (const n of this.p.voters) if (!w.isUp(n)) applyFault(w, { kind: 'restart', node: n });
    this.trace(round, 'end', { how });
  }

  /** (a) a leader and one follower cut off; a write reaches the follower only. */
  private roundA(round: number): void {
    const w = this.p.world;
    const V = this.p.voters;
    this.waitFor(
      round,
      'a: a leader with every voter up',
      () => (V.every((n) => w.isUp(n)) ? this.leaderAmong(V, 0) : undefined),
      (l1) => {
        const r1 = this.up(l1)!;
        const t1 = r1.term();
        const f = V.find((n) => n !== l1)!;
        const others = V.filter((n) => n !== l1 && n !== f);
        applyFault(w, { kind: 'partition', sides: [[l1, f], others] });
        const i1 = r1.lastIndex() + 1;
        for (let k = 0; k < this.writes; k++) this.p.put(l1, `figure8/${k}`, `w1-round${round}`);
        const last1 = r1.lastIndex();
        this.trace(round, 'a', { l1, f, t1, i1, last: last1 });
        this.waitFor(
          round,
          'a: the write on the follower',
          () => {
            const rf = this.up(f);
            return this.up(l1)?.isLeader() && rf !== undefined && rf.lastIndex() >= last1 && rf.entryAt(last1)?.term === t1 ? true : undefined;
          },
          () => w.after(DURABLE_US, () => this.roundB(round, l1, f, others, t1, i1)),
        );
      },
    );
  }

  /** (b) L1 crashes; the other three elect L2, which takes a write of its term no one else gets, then crashes. */
  private roundB(round: number, l1: NodeId, f: NodeId, others: readonly NodeId[], t1: number, i1: number): void {
    const w = this.p.world;
    applyFault(w, { kind: 'crash', node: l1 });
    this.waitFor(
      round,
      'b: a leader among the other three',
      () => this.leaderAmong(others, t1),
      (l2) => {
        const [x, y] = others.filter((n) => n !== l2) as [NodeId, NodeId];
        applyFault(w, { kind: 'partition', sides: [[l2], [x, y], [f, l1]] });
        const r2 = this.up(l2)!;
        const t2 = r2.term();
        this.p.put(l2, 'figure8', `w2-round${round}`);
        this.trace(round, 'b', { l2, t2, last: r2.lastIndex() });
        w.after(DURABLE_US, () => {
          applyFault(w, { kind: 'crash', node: l2 });
          this.roundC(round, { l1, f, l2, x, y, t2, i1 });
        });
      },
    );
  }

  /** (c) L1 back with F and X: a leader of a later term gets i1 onto X and commits it (or not). */
  private roundC(round: number, s: { l1: NodeId; f: NodeId; l2: NodeId; x: NodeId; y: NodeId; t2: number; i1: number }): void {
    const w = this.p.world;
    applyFault(w, { kind: 'heal' });
    applyFault(w, { kind: 'restart', node: s.l1 });
    applyFault(w, { kind: 'partition', sides: [[s.l1, s.f, s.x], [s.y, s.l2]] });
    this.waitFor(
      round,
      'c: a leader with L1, F and X that commits i1',
      () => {
        const l3 = this.leaderAmong([s.l1, s.f, s.x], s.t2);
        return l3 !== undefined && this.up(l3)!.commitIndex() >= s.i1 ? l3 : undefined;
      },
      (l3) => {
        const r3 = this.up(l3)!;
        const t3 = r3.term();
        this.trace(round, 'c', { l3, t3, commit: r3.commitIndex(), last: r3.lastIndex(), lastTerm: r3.entryAt(r3.lastIndex())?.term });
        this.roundD(round, { ...s, l3, t3 });
      },
    );
  }

  /** (d) L3 crashes; L2 back with X and Y: it may win only if X holds no entry of t3. */
  private roundD(round: number, s: { l1: NodeId; f: NodeId; l2: NodeId; x: NodeId; y: NodeId; l3: NodeId; t3: number }): void {
    const w = this.p.world;
    this.reachedD++;
    applyFault(w, { kind: 'crash', node: s.l3 });
    applyFault(w, { kind: 'heal' });
    applyFault(w, { kind: 'restart', node: s.l2 });
    const cutOff = [s.l1, s.f].filter((n) => n !== s.l3);
    applyFault(w, { kind: 'partition', sides: [[s.l2, s.x, s.y], [...cutOff, s.l3]] });
    this.waitFor(
      round,
      'd: a leader among L2, X and Y',
      () => this.leaderAmong([s.l2, s.x, s.y], s.t3),
      (l4) => {
        this.trace(round, 'd', { l4, t4: this.up(l4)!.term() });
        this.end(round, l4 === s.l2 ? 'L2 won (Figure 8 (d))' : 'another leader won');
      },
    );
  }
}

/** `figure8: { at: [2s, 10s], writes: 1 }`: round start times; writes W1 in step (a) (default 1). */
export interface Figure8Config {
  readonly atUs: readonly Micros[];
  readonly writes: number;
}

export function parseFigure8(v: View): Figure8Config {
  v.allowKeys(['at', 'writes']);
  const atUs = v.get('at').required().list().map((t) => t.duration());
  const writes = v.get('writes').present ? v.get('writes').int(1, 1000) : 1;
  return { atUs, writes };
}
