/**
 * `raft: reconfigure:` — voter replacements by joint consensus (RaftNode.replaceVoters, paper §6)
 * during a run, and the `reconfigured` expectation (each replacement completed: a leader whose
 * committed configuration is the target, not joint).
 *
 *   raft:
 *     voters: [r1, r2, r3, r4, r5]
 *     learners: [r6, r7]                           # new voters join as learners first (paper §6)
 *     reconfigure:
 *       - { at: 10s, voters: [r1, r2, r3, r6, r7] } # replace r4, r5 by r6, r7
 *
 * From `at` on, every RETRY_US the driver asks the current leader (if any) to replace the voters;
 * a leader that is busy (a change in flight, its first entry not committed) refuses and the next
 * try asks again. Each step starts only once the previous one completed.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import type { RaftNode } from '../../core/raft/index.ts';
import type { View } from '../yaml-view.ts';
import type { ParseContext } from '../types.ts';
import type { WorldPort } from '../world-port.ts';

export interface ReconfigureStep {
  readonly atUs: Micros;
  /** The voters after the change, sorted. */
  readonly voters: readonly NodeId[];
}

/** How often the driver retries (virtual time): a few heartbeat intervals of the default config. */
const RETRY_US = 200_000;

export function parseReconfigure(v: View, ctx: ParseContext, members: ReadonlySet<NodeId>): ReconfigureStep[] {
  if (!v.present) return [];
  let last = -1;
  return v.list().map((item) => {
    item.allowKeys(['at', 'voters']);
    const atV = item.get('at').required();
    const atUs = atV.duration();
    if (atUs > ctx.durationUs) atV.fail('expected a time within the run');
    if (atUs < last) atV.fail('expected the steps in time order');
    last = atUs;
    const votersV = item.get('voters').required();
    const voters = ctx.topology.nodesOf(votersV);
    if (voters.length === 0) votersV.fail('expected at least one voter');
    const off = voters.find((n) => !members.has(n));
    if (off) votersV.fail(`node "${off}" does not run Raft: list it under raft.learners (new voters join as learners)`);
    return { atUs, voters: [...new Set(voters)].sort() };
  });
}

/** The index of the latest config entry in `r`'s log (0 if compacted away or none). */
function latestConfigIndex(r: RaftNode<unknown, unknown>): number {
  for (let i = r.lastIndex(); i >= r.firstIndex() && i > 0; i--) if (r.entryAt(i)?.kind === 'config') return i;
  return 0;
}

/** Whether leader `r` has the plain (not joint) configuration `voters` committed. */
export function hasCommittedVoters(r: RaftNode<unknown, unknown>, voters: readonly NodeId[]): boolean {
  const m = r.membership();
  return m.outgoing === undefined && m.voters.join(',') === voters.join(',') && r.commitIndex() >= latestConfigIndex(r);
}

/** Drives the steps; `doneAt[i]` is when step i was seen completed (-1 until then). */
export class ReconfigureDriver {
  readonly doneAt: number[];
  /** The voters of the last completed step (the initial voters before any). */
  private current: readonly NodeId[];

  constructor(
    private readonly world: WorldPort,
    private readonly steps: readonly ReconfigureStep[],
    initial: readonly NodeId[],
    private readonly leader: () => RaftNode<unknown, unknown> | undefined,
    private readonly endUs: Micros,
  ) {
    this.doneAt = steps.map(() => -1);
    this.current = initial;
  }

  voters(): readonly NodeId[] {
    return this.current;
  }

  start(): void {
    if (this.steps.length > 0) this.world.at(this.steps[0]!.atUs, () => this.tick(0));
  }

  private tick(i: number): void {
    const step = this.steps[i]!;
    const r = this.leader();
    if (r !== undefined && hasCommittedVoters(r, step.voters)) {
      this.doneAt[i] = this.world.now();
      this.current = step.voters;
      const next = this.steps[i + 1];
      if (next !== undefined) this.world.at(Math.max(next.atUs, this.world.now()), () => this.tick(i + 1));
      return;
    }
    if (r !== undefined && r.membership().outgoing === undefined) r.replaceVoters(step.voters, () => {});
    if (this.world.now() + RETRY_US <= this.endUs) this.world.after(RETRY_US, () => this.tick(i));
  }
}
