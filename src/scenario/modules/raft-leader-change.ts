/**
 * The Raft expectations about leadership moving, and the role oracle the raft module gives
 * the simulator (src/sim/roles.ts):
 *
 * - `new-leader-within: T`: after EVERY fault that hits the leader as it fires (cuts it from a
 *   quorum of voters, crashes or pauses it), a stable leader of a higher term appears within
 *   T. No fault hit the leader → vacuous (the scenario tested nothing), never a silent pass.
 *   `{ after: X, within: T }`: the leader at X is replaced (a higher term) within T.
 * - `leader-changed`: at least one election after the first leader.
 */
import type { Micros, NodeId } from '../../core/env.ts';
import { currentLeader, onLeaderHit, setRoleOracle, type LeaderHit, type RoleOracle } from '../../sim/roles.ts';
import type { ExpectationDef, ExpectationSpec, Verdict } from '../types.ts';
import { formatDuration, humanDuration } from '../units.ts';
import { fail, pass, vacuous, verdict } from '../verdict.ts';
import { parseWithin, type WithinParams } from './params.ts';

/** How often a window polls for the new leader (virtual time); the same as leader-within's. */
const CHECK_US = 50_000;
/** Bound on leader losses tracked per expectation (a long nemesis run hits the leader often). */
const MAX_HITS = 1_000;

export const leaderChangeExpectations: Record<string, ExpectationDef> = {
  'new-leader-within': {
    parse: parseWithin,
    name: (p) => {
      const w = p as WithinParams;
      return w.afterUs === undefined
        ? `a new leader within ${formatDuration(w.withinUs)} of each fault that hits the leader`
        : `the leader at ${formatDuration(w.afterUs)} replaced within ${formatDuration(w.withinUs)}`;
    },
  },
  'leader-changed': {
    parse: (v) => {
      if (v.present) v.expect('no value (write just the name)');
      return undefined;
    },
    name: () => 'the Raft leader changed at least once',
  },
};

/** The world as this file uses it: virtual time and scheduling. */
interface Clock {
  now(): Micros;
  at(t: Micros, fn: () => void): unknown;
  after(d: Micros, fn: () => void): unknown;
}

interface Window {
  readonly hit: LeaderHit;
  foundAt?: Micros;
  newLeader?: NodeId;
}

interface Watch {
  readonly exp: ExpectationSpec;
  readonly windows: Window[];
  dropped: number;
  /** `{after}` form: no leader at that time. */
  noLeaderAt?: Micros;
}

export class LeaderChangeWatch {
  private readonly watches = new Map<ExpectationSpec, Watch>();

  constructor(
    private readonly world: Clock & object,
    private readonly oracle: RoleOracle,
    /** A live leader a quorum follows in its term, with that term. */
    private readonly stable: () => { node: NodeId; term: number } | undefined,
    private readonly endUs: Micros,
  ) {
    setRoleOracle(world, oracle);
  }

  /** Starts watching the new-leader-within expectations (call once, before the run). */
  attach(expectations: readonly ExpectationSpec[]): void {
    const mine = expectations.filter((e) => e.kind === 'new-leader-within');
    for (const exp of mine) this.watches.set(exp, { exp, windows: [], dropped: 0 });
    const fromHits = mine.filter((e) => (e.params as WithinParams).afterUs === undefined);
    if (fromHits.length > 0) onLeaderHit(this.world, (h) => fromHits.forEach((e) => this.open(e, h)));
    for (const exp of mine) {
      const after = (exp.params as WithinParams).afterUs;
      if (after === undefined) continue;
      this.world.at(after, () => {
        const l = currentLeader(this.oracle);
        if (!l) this.watches.get(exp)!.noLeaderAt = after;
        else this.open(exp, { t: after, leader: l.node, term: l.term, fault: 'time' });
      });
    }
  }

  private open(exp: ExpectationSpec, hit: LeaderHit): void {
    const w = this.watches.get(exp)!;
    if (w.windows.length >= MAX_HITS) {
      w.dropped++;
      return;
    }
    const win: Window = { hit };
    w.windows.push(win);
    const to = Math.min(this.endUs, hit.t + (exp.params as WithinParams).withinUs);
    const check = () => {
      const s = this.stable();
      if (s && s.term > hit.term) {
        win.foundAt = this.world.now();
        win.newLeader = s.node;
      } else if (this.world.now() + CHECK_US <= to) this.world.after(CHECK_US, check);
    };
    check();
  }

  evaluate(exp: ExpectationSpec, elections: readonly { t: number; node: NodeId; term: number }[]): Verdict {
    if (exp.kind === 'leader-changed') {
      const list = elections
        .slice(0, 6)
        .map((e) => `${e.node}@${humanDuration(e.t)} t${e.term}`)
        .join(', ');
      return verdict(exp, elections.length >= 2, `${elections.length} election(s)${list ? ` [${list}${elections.length > 6 ? ', …' : ''}]` : ''}`, undefined);
    }
    const w = this.watches.get(exp);
    if (!w) return fail(exp, 'not watched (internal error)');
    const p = exp.params as WithinParams;
    if (w.noLeaderAt !== undefined) return vacuous(exp, `no leader at ${humanDuration(w.noLeaderAt)}: nothing to replace`);
    if (w.windows.length === 0) {
      return vacuous(exp, 'no fault hit the leader (cut it from a quorum, crashed or paused it): nothing was tested; name it with `leader`, `leader-dc` or `minority-with-leader`');
    }
    for (const win of w.windows) {
      if (win.foundAt !== undefined) continue;
      const end = win.hit.t + p.withinUs;
      const short = end > this.endUs ? ` (the run ends at ${humanDuration(this.endUs)}, before the window closes)` : '';
      const cause = win.hit.fault === 'time' ? `the leader at ${humanDuration(win.hit.t)}` : `a ${win.hit.fault} hit leader`;
      return fail(exp, `${cause} ${win.hit.leader} (term ${win.hit.term}) at ${humanDuration(win.hit.t)}: no leader of a later term followed by a quorum within ${humanDuration(p.withinUs)}${short}`, Math.min(end, this.endUs));
    }
    const gaps = w.windows.slice(0, 6).map((x) => `${x.hit.leader}→${x.newLeader} in ${humanDuration(x.foundAt! - x.hit.t)}`);
    return pass(exp, `${w.windows.length} leader loss(es), each replaced in time: ${gaps.join(', ')}${w.windows.length > 6 ? ', …' : ''}${w.dropped ? ` (${w.dropped} more not tracked)` : ''}`);
  }
}
