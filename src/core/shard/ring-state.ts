/**
 * The ring the master publishes: which data groups own keys, and the state of the one
 * rebalancing in progress. Adding a group moves only the keys the new group now owns (about
 * 1/n, see bench/shard-ring.ts); the old owners hand them over, then the master marks the
 * ring complete. While incomplete, old owners refuse moved keys ('wrong-group') and the new
 * group refuses client requests ('busy'), so no key is ever served by two groups.
 *
 * Revisions are epochs (see epoch.ts): a newer master's revisions dominate a deposed one's.
 */
import { assert, type NodeId } from '../env.ts';
import { compareEpoch, nextEpoch, ZERO_EPOCH, type Epoch } from './epoch.ts';
import { HashRing } from './ring.ts';

export interface RingState {
  readonly rev: Epoch;
  /** Bumped when the owning groups change. */
  readonly version: number;
  readonly groups: readonly string[];
  /** The group being added by this version, if the hand-over is not complete. */
  readonly adding: string | null;
  /** Old groups that finished handing keys to `adding`. */
  readonly done: readonly string[];
  /** Current primary of each group (so a source knows where to hand keys over). */
  readonly primaries: Readonly<Record<string, NodeId>>;
}

export const EMPTY_RING: RingState = { rev: ZERO_EPOCH, version: 0, groups: [], adding: null, done: [], primaries: {} };

export function newerRing(a: RingState, b: RingState | null): boolean {
  return b === null || compareEpoch(a.rev, b.rev) > 0;
}

/** The groups that owned keys before `adding` joined. */
export function previousGroups(r: RingState): string[] {
  return r.groups.filter((g) => g !== r.adding);
}

export function bump(r: RingState, term: number, change: Partial<Omit<RingState, 'rev'>>): RingState {
  const next: RingState = { ...r, ...change, rev: nextEpoch(r.rev, term) };
  assert(new Set(next.groups).size === next.groups.length, 'ring: a group listed twice');
  assert(next.adding === null || next.groups.includes(next.adding), 'ring: adding group not in groups');
  assert(next.done.every((g) => next.groups.includes(g) && g !== next.adding), 'ring: done lists a non-source');
  return next;
}

/** Memoised rings by group list (rebuilding 128 points per group on every request would be wasteful). */
export class RingCache {
  private key = '';
  private ring = new HashRing([]);
  owner(groups: readonly string[], key: string): string | undefined {
    const k = groups.join('\u0000');
    if (k !== this.key) {
      this.key = k;
      this.ring = new HashRing(groups);
    }
    return this.ring.lookup(key);
  }
}
