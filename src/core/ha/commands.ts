/**
 * Commands of the replicated HA state ('ha.*'), written through Raft. Every replica applies
 * them in log order, so there is one decision per transition even across leader changes.
 */
import type { Micros, NodeId } from '../env.ts';
import type { ActiveChange, HaEvent, Health, TargetKey } from './types.ts';

export type HaCommand =
  /** Adds or updates a monitored target: every node starts checking it. */
  | { readonly type: 'ha.target.put'; readonly key: TargetKey; readonly value: string }
  /** Stops monitoring everywhere (the scavengers then drop its results). */
  | { readonly type: 'ha.target.delete'; readonly key: TargetKey }
  /** Defines a failover group: ordered targets, the first preferred. */
  | { readonly type: 'ha.group.put'; readonly name: string; readonly targets: readonly TargetKey[] }
  | { readonly type: 'ha.group.delete'; readonly name: string }
  /**
   * A transition decided by the leader. Applies only if the target is still configured and
   * its declared state is still `from`: a duplicate proposal (retry, second leader) is a no-op.
   */
  /** The event as recorded, less the id the applying entry gives it. */
  | ({ readonly type: 'ha.event' } & Omit<HaEvent, 'id'>);

export type HaCommandType = HaCommand['type'];

export type HaApplyResult =
  | { readonly ok: true; readonly event?: HaEvent; readonly activeChanges: readonly ActiveChange[] }
  | { readonly ok: false; readonly reason: string };

export function isHaCommand(c: unknown): c is HaCommand {
  return typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string' &&
    (c as { type: string }).type.startsWith('ha.');
}
