/**
 * The notification action run on every node when an event is applied (in hanode the user's
 * script, as the seed's notify.sh, with role, key, value and new state as arguments).
 */
import type { ActiveChange, Health, TargetKey } from './types.ts';

export interface Notification {
  /** This node's Raft role when it applied the event: scripts usually act on the leader only. */
  readonly role: 'leader' | 'follower';
  readonly key: TargetKey;
  readonly value: string;
  readonly state: Health;
  /** The event id (Raft index): lets a script drop a repeat after a crash (delivery is at least once). */
  readonly eventId: number;
  /** Active keys this event moved (client config switch-over). */
  readonly activeChanges: readonly ActiveChange[];
}

export interface NotificationAction {
  /** Must not throw for operational failures (a script exiting non-zero is logged by the runner). */
  notify(n: Notification): void;
}

/** Keeps notifications in memory: for tests and the simulator's checkers. Bounded. */
export class RecordingNotifier implements NotificationAction {
  readonly seen: Notification[] = [];
  constructor(private readonly max = 10_000) {}
  notify(n: Notification): void {
    if (this.seen.length < this.max) this.seen.push(n);
  }
}
