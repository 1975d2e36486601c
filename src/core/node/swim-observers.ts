/**
 * The failover quorum's observers from SWIM membership (src/core/ha/observers.ts: "with
 * SWIM, both come from membership"): known = every member not gone for good (alive,
 * suspect, dead), live = the alive ones (this node always).
 */
import type { NodeId } from '../env.ts';
import type { ObserverView } from '../ha/index.ts';
import type { MemberInfo } from '../swim/index.ts';

export class SwimObservers implements ObserverView {
  constructor(
    private readonly self: NodeId,
    private readonly members: () => readonly MemberInfo[],
  ) {}

  known(): ReadonlySet<NodeId> {
    const s = new Set(this.members().filter((m) => m.status !== 'left').map((m) => m.node));
    s.add(this.self);
    return s;
  }

  live(): ReadonlySet<NodeId> {
    const s = new Set(this.members().filter((m) => m.status === 'alive').map((m) => m.node));
    s.add(this.self);
    return s;
  }
}
