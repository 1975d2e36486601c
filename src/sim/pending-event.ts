/**
 * What the next queued event of a World is, without running it: the TUI's step (key .) shows
 * the event it ran. Timer: a node's timer fires (its service, when the world knows it);
 * deliver: a message reaches a node (sender, service, message type); world: a callback of the
 * world itself (a scheduled fault, a scenario's bookkeeping).
 */
import type { Micros, NodeId } from '../core/env.ts';

export type PendingEvent =
  | { readonly kind: 'timer'; readonly t: Micros; readonly node: NodeId; readonly svc?: string }
  | { readonly kind: 'deliver'; readonly t: Micros; readonly node: NodeId; readonly from: NodeId; readonly svc: string; readonly type: string }
  | { readonly kind: 'world'; readonly t: Micros };

/** One line: "deliver n2 ← n1 raft/append", "timer n3 swim", "world". */
export function describePending(e: PendingEvent): string {
  switch (e.kind) {
    case 'timer':
      return `timer ${e.node}${e.svc ? ` ${e.svc}` : ''}`;
    case 'deliver':
      return `deliver ${e.node} ← ${e.from} ${e.svc}/${e.type}`;
    case 'world':
      return 'world event (fault or scenario step)';
  }
}
