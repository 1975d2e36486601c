/**
 * The failover service on SWIM (src/core/swim): results spread as SWIM application
 * broadcasts (piggybacked on probes and gossip, one queue slot per target, so a newer
 * result replaces an older one not yet sent) and are anti-entropied in every push-pull;
 * live/known observers come from SWIM membership.
 */
import { assert, type NodeId } from '../env.ts';
import type { MemberInfo, StateDelegate, UserListener } from '../swim/index.ts';
import type { ObserverView } from './observers.ts';
import type { ResultTransport } from './transport.ts';
import type { CheckResult, TargetKey } from './types.ts';
import { isCheckResult as isResult } from './validate.ts';

/** The part of SwimNode the adapter uses. */
export interface SwimLike {
  broadcast(key: string, payload: unknown): void;
  onUser(listener: UserListener): () => void;
  setStateDelegate(name: string, delegate: StateDelegate | undefined): void;
  members(): MemberInfo[];
  /**
   * Optional: a number that stays the same while members() would list the same nodes in the
   * same order with the same statuses (SwimNode.membershipVersion). With it, live() and
   * known() are computed once per membership change instead of on every gossiped result.
   */
  membershipVersion?(): number;
}

const KEY_PREFIX = 'ha/';
const DELEGATE = 'ha';

export class SwimTransport implements ResultTransport {
  private handler: ((rs: readonly CheckResult[]) => void) | undefined;
  /** Our latest result per target: what a push-pull carries. Bounded by maxTargets. */
  private readonly latest = new Map<TargetKey, CheckResult>();

  constructor(
    private readonly swim: SwimLike,
    private readonly maxTargets: number,
  ) {
    swim.onUser((payload, _origin, key) => {
      if (!key.startsWith(KEY_PREFIX) || !isResult(payload)) return;
      this.handler?.([payload]);
    });
    swim.setStateDelegate(DELEGATE, {
      localState: () => [...this.latest.values()],
      mergeRemoteState: (state) => {
        if (!Array.isArray(state)) return;
        const rs = state.filter(isResult).slice(0, this.maxTargets);
        if (rs.length) this.handler?.(rs);
      },
    });
  }

  publish(results: readonly CheckResult[]): void {
    for (const r of results) {
      if (!this.latest.has(r.target) && this.latest.size >= this.maxTargets) continue;
      this.latest.set(r.target, r);
      this.swim.broadcast(`${KEY_PREFIX}${r.target}`, r);
    }
    assert(this.latest.size <= this.maxTargets, 'ha swim: latest over its bound');
  }

  /** Forget a deleted target (its results stop travelling in push-pulls). */
  forget(target: TargetKey): void {
    this.latest.delete(target);
  }

  onResults(handler: (rs: readonly CheckResult[]) => void): void {
    this.handler = handler;
  }
}

/**
 * Live = alive or suspect (a suspect may refute; memberlist still lists it).
 *
 * Known = the configured observers (the Raft voters in hanode, the scenario's list in the
 * simulator) that have not LEFT, plus whoever is live. SWIM reaps a dead member from its
 * table after a while (memberlist's GossipToTheDeadTime), and a restarted node never sees a
 * reaped one at all; but a dead observer is still an observer. If it stopped counting, the
 * quorum (a majority of live AND of known observers, see quorum.ts) would shrink with it and
 * a minority cut off from a target could declare it DOWN (found by QA: 3 of 6 observers cut
 * off, one reaped, quorum 3 of 5). So the configured list is required, not derived from SWIM.
 * `self` is always both.
 */
export class SwimObservers implements ObserverView {
  private liveAt = -1;
  private liveSet: ReadonlySet<NodeId> = new Set();
  private knownAt = -1;
  private knownSet: ReadonlySet<NodeId> = new Set();
  /** The configured list known() was computed with (compared by content: it may be rebuilt or change). */
  private knownConfigured: NodeId[] = [];

  constructor(
    private readonly swim: SwimLike,
    private readonly self: NodeId,
    /** Only these nodes observe (e.g. the Raft voters). */
    private readonly isObserver: (n: NodeId) => boolean,
    /** The configured observers: they stay known until SWIM reports that they left. */
    private readonly configured: () => Iterable<NodeId>,
  ) {}

  live(): ReadonlySet<NodeId> {
    const v = this.swim.membershipVersion?.() ?? -1;
    if (v >= 0 && v === this.liveAt) return this.liveSet;
    this.liveSet = this.computeLive();
    this.liveAt = v;
    return this.liveSet;
  }

  known(): ReadonlySet<NodeId> {
    const v = this.swim.membershipVersion?.() ?? -1;
    const configured = this.configured();
    if (v >= 0 && v === this.knownAt && sameList(configured, this.knownConfigured)) return this.knownSet;
    this.knownConfigured = [...configured];
    this.knownSet = this.computeKnown(this.knownConfigured);
    this.knownAt = v;
    return this.knownSet;
  }

  private computeLive(): ReadonlySet<NodeId> {
    const s = new Set<NodeId>([this.self]);
    for (const m of this.swim.members()) if ((m.status === 'alive' || m.status === 'suspect') && this.isObserver(m.node)) s.add(m.node);
    return s;
  }

  private computeKnown(configured: readonly NodeId[]): ReadonlySet<NodeId> {
    const left = new Set<NodeId>();
    const s = new Set<NodeId>([this.self]);
    for (const m of this.swim.members()) {
      if (!this.isObserver(m.node)) continue;
      if (m.status === 'left') left.add(m.node);
      else s.add(m.node);
    }
    for (const n of configured) if (!left.has(n) && this.isObserver(n)) s.add(n);
    return s;
  }
}

function sameList(it: Iterable<NodeId>, list: readonly NodeId[]): boolean {
  let i = 0;
  for (const n of it) if (n !== list[i++]) return false;
  return i === list.length;
}
