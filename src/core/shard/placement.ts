/**
 * The master's placement table: for each data group, its members' liveness and its
 * configuration (primary, in-sync standbys, syncing standbys). Pure: the master feeds it
 * liveness and sync reports and pushes the configurations it returns.
 *
 * Rules (the seed's, made safe):
 *  - a fresh group's first live member becomes primary;
 *  - a member that comes (back) joins as a *syncing* standby: it counts for promotion only
 *    after the primary reports it synced (it then holds every acknowledged write);
 *  - when the primary dies, the first in-sync standby is promoted; the other standbys
 *    resync from it (they may hold an unacknowledged write the new primary lacks);
 *  - with no in-sync standby left the group is unavailable, until a member of its last
 *    acknowledged configuration (old primary or in-sync standby) returns with its data;
 *  - a dead standby is removed, which also releases writes the primary held for its ack.
 */
import { assert, type NodeId } from '../env.ts';
import { compareEpoch, nextEpoch, ZERO_EPOCH, type Epoch } from './epoch.ts';

export interface GroupConfig {
  readonly group: string;
  readonly epoch: Epoch;
  readonly primary: NodeId | undefined;
  /** In-sync standbys, in promotion order. */
  readonly standbys: readonly NodeId[];
  /** Standbys still copying the primary's state. */
  readonly syncing: readonly NodeId[];
  /** No primary and nobody promotable. */
  readonly unavailable: boolean;
  /** Members that held every acknowledged write when the group became unavailable. */
  readonly lastInSync: readonly NodeId[];
}

export function emptyConfig(group: string): GroupConfig {
  return { group, epoch: ZERO_EPOCH, primary: undefined, standbys: [], syncing: [], unavailable: false, lastInSync: [] };
}

export function membersOf(c: GroupConfig): NodeId[] {
  return [...(c.primary ? [c.primary] : []), ...c.standbys, ...c.syncing];
}

export type PlacementChange =
  | { readonly kind: 'primary'; readonly group: string; readonly node: NodeId; readonly promoted: boolean }
  | { readonly kind: 'standby-synced'; readonly group: string; readonly node: NodeId }
  | { readonly kind: 'joined'; readonly group: string; readonly node: NodeId }
  | { readonly kind: 'removed'; readonly group: string; readonly node: NodeId }
  | { readonly kind: 'unavailable'; readonly group: string };

export class PlacementTable {
  private readonly configs = new Map<string, GroupConfig>();

  /** `term` is this master's registration sequence number (see epoch.ts). */
  constructor(private readonly term: number) {
    assert(term > 0, 'placement: term must be > 0');
  }

  config(group: string): GroupConfig {
    return this.configs.get(group) ?? emptyConfig(group);
  }

  all(): GroupConfig[] {
    return [...this.configs.keys()].sort().map((g) => this.configs.get(g)!);
  }

  /** Adopts a configuration reported by a data node if newer (a new master learns the state this way). */
  adopt(c: GroupConfig): boolean {
    if (compareEpoch(c.epoch, this.config(c.group).epoch) <= 0) return false;
    this.check(c);
    this.configs.set(c.group, c);
    return true;
  }

  /** A member is alive (first heartbeat, or back after being removed). */
  alive(group: string, node: NodeId): PlacementChange[] {
    const c = this.config(group);
    if (membersOf(c).includes(node)) return [];
    if (c.primary === undefined && !c.unavailable && compareEpoch(c.epoch, ZERO_EPOCH) === 0) {
      this.set({ ...c, primary: node });
      return [{ kind: 'primary', group, node, promoted: false }];
    }
    if (c.unavailable) {
      if (!c.lastInSync.includes(node)) return []; // cannot serve: might lack acknowledged writes; wait
      this.set({ ...c, primary: node, unavailable: false, lastInSync: [] });
      return [{ kind: 'primary', group, node, promoted: true }];
    }
    this.set({ ...c, syncing: [...c.syncing, node] });
    return [{ kind: 'joined', group, node }];
  }

  /** The primary reports that a syncing standby caught up (for the configuration `epoch`). */
  synced(group: string, node: NodeId, epoch: Epoch): PlacementChange[] {
    const c = this.config(group);
    if (compareEpoch(epoch, c.epoch) !== 0 || !c.syncing.includes(node)) return []; // stale report
    this.set({ ...c, syncing: c.syncing.filter((n) => n !== node), standbys: [...c.standbys, node] });
    return [{ kind: 'standby-synced', group, node }];
  }

  /** A member is considered dead (heartbeats stopped). */
  dead(group: string, node: NodeId): PlacementChange[] {
    const c = this.config(group);
    if (!membersOf(c).includes(node)) return [];
    if (c.primary !== node) {
      this.set({ ...c, standbys: c.standbys.filter((n) => n !== node), syncing: c.syncing.filter((n) => n !== node) });
      return [{ kind: 'removed', group, node }];
    }
    const [next, ...rest] = c.standbys;
    if (next === undefined) {
      // Nobody holds every acknowledged write but the dead primary: wait for it.
      this.set({ ...c, primary: undefined, syncing: [], unavailable: true, lastInSync: [node] });
      return [{ kind: 'removed', group, node }, { kind: 'unavailable', group }];
    }
    // The other standbys resync from the new primary: they may hold a write it never got.
    this.set({ ...c, primary: next, standbys: [], syncing: [...rest, ...c.syncing] });
    return [{ kind: 'removed', group, node }, { kind: 'primary', group, node: next, promoted: true }];
  }

  private set(c: GroupConfig): void {
    const next: GroupConfig = { ...c, epoch: nextEpoch(this.config(c.group).epoch, this.term) };
    this.check(next);
    assert(compareEpoch(next.epoch, this.config(c.group).epoch) > 0, 'placement: epochs only grow');
    this.configs.set(c.group, next);
  }

  private check(c: GroupConfig): void {
    const m = membersOf(c);
    assert(new Set(m).size === m.length, () => `placement: ${c.group} lists a member twice`);
    assert(!(c.unavailable && c.primary !== undefined), () => `placement: ${c.group} unavailable with a primary`);
    assert(c.primary !== undefined || c.standbys.length === 0, () => `placement: ${c.group} standbys without a primary`);
  }
}
