/**
 * Crash points (issue 16, after FoundationDB's BUGGIFY): nemesis kinds that do not strike at a
 * random instant but arm a trap, which crashes a node right after the next event of a kind —
 * the instants where persistence and commit-rule bugs show:
 *  - `crash-after-vote`: a voter crashes right after handling a vote request (its answer has
 *    left: a vote not durable by then is forgotten, Raft Figure 2 "persistent state");
 *  - `crash-after-append`: a follower crashes right after handling an append with entries (its
 *    acknowledgement has left: entries acknowledged before they were synced are lost);
 *  - `crash-leader-after-minority`: a leader crashes (and is cut off while down, so its other
 *    appends still in flight are lost with the sockets) right after its first follower received
 *    an append with entries: the entries live on the leader and one follower only, the first
 *    step of the paper's Figure 8.
 * Only Raft messages are recognised (their `type` field); a trap that never meets its event
 * before the nemesis's `until` stays unfired. The crash lasts the nemesis's drawn duration,
 * then the node restarts from its disk. Which kind, when armed and for how long all come from
 * the seed's nemesis stream, so a seed reproduces its crashes.
 */
import type { Message, Micros, NodeId } from '../core/env.ts';

export const CRASH_POINT_KINDS = ['crash-after-vote', 'crash-after-append', 'crash-leader-after-minority'] as const;
export type CrashPointKind = (typeof CRASH_POINT_KINDS)[number];

export function isCrashPointKind(k: string): k is CrashPointKind {
  return (CRASH_POINT_KINDS as readonly string[]).includes(k);
}

/** What crash points need from the world. */
export interface CrashPointWorld {
  tapDeliveries(fn: (to: NodeId, from: NodeId, svc: string, msg: Message, reliable: boolean) => void): void;
  atTime(t: Micros, fn: () => void): unknown;
  now(): Micros;
  isUp(id: NodeId): boolean;
  emit(kind: string, fields: Record<string, unknown>, node?: NodeId): void;
}

/** Crashes `node` for `forUs` (and, if `cut`, isolates it as long): the caller's fault machinery. */
export type Crasher = (node: NodeId, forUs: Micros, cut: boolean) => void;

interface Trap {
  readonly kind: CrashPointKind;
  readonly forUs: Micros;
  /** Not after this (the nemesis's `until`). */
  readonly untilUs: Micros;
}

/** The node a trap of `kind` crashes for this delivery, or undefined when the delivery is not its event. */
export function crashPointVictim(kind: CrashPointKind, to: NodeId, from: NodeId, msg: Message): NodeId | undefined {
  const m = msg as { type?: unknown; entries?: unknown } | null;
  const type = typeof m?.type === 'string' ? m.type : '';
  switch (kind) {
    case 'crash-after-vote':
      return type === 'raft.vote' ? to : undefined;
    case 'crash-after-append':
      return type === 'raft.append' && Array.isArray(m!.entries) && m!.entries.length > 0 ? to : undefined;
    case 'crash-leader-after-minority':
      return type === 'raft.append' && Array.isArray(m!.entries) && m!.entries.length > 0 ? from : undefined;
  }
}

/** Armed traps of one world; at most one fires per delivery. */
export class CrashPoints {
  private readonly traps: Trap[] = [];
  private tapped = false;

  constructor(
    private readonly w: CrashPointWorld,
    private readonly crash: Crasher,
    /** Nodes a trap may crash (the nemesis's named targets); default every node. */
    private readonly eligible: (node: NodeId) => boolean = () => true,
  ) {}

  /** Arms a trap: the next event of `kind` before `untilUs` crashes its node for `forUs`. */
  arm(kind: CrashPointKind, forUs: Micros, untilUs: Micros): void {
    if (!this.tapped) {
      this.tapped = true;
      this.w.tapDeliveries((to, from, _svc, msg) => this.onDelivery(to, from, msg));
    }
    // Bound: a nemesis arming faster than events come keeps only a few traps.
    if (this.traps.length >= 8) return;
    this.traps.push({ kind, forUs, untilUs });
    this.w.emit('crash-point.armed', { point: kind });
  }

  private onDelivery(to: NodeId, from: NodeId, msg: Message): void {
    if (this.traps.length === 0) return;
    const now = this.w.now();
    for (let i = 0; i < this.traps.length; i++) {
      const t = this.traps[i]!;
      if (now > t.untilUs) {
        this.traps.splice(i--, 1);
        continue;
      }
      const victim = crashPointVictim(t.kind, to, from, msg);
      if (victim === undefined || !this.eligible(victim) || !this.w.isUp(victim)) continue;
      this.traps.splice(i, 1);
      // Right after the delivery's handler: this event is queued at the same instant, behind the
      // handler but ahead of any timer the handler starts (a deferred flush, say).
      this.w.atTime(now, () => {
        if (!this.w.isUp(victim)) return;
        this.w.emit('crash-point', { point: t.kind, trigger: `${from}->${to}` }, victim);
        this.crash(victim, t.forUs, t.kind === 'crash-leader-after-minority');
      });
      return;
    }
  }
}
