/**
 * The server-side lock history the lock checker judges (./lock-exclusivity.ts): watches every
 * replica's store (every incarnation) and, the first time any replica applies a Raft index,
 * notes how the holders of the watched lock keys changed — a `granted` when a session took a
 * free lock (LockIndex = fencing token), a `freed` when the holder released it or its session
 * was removed (invalidated or destroyed: Consul's lock-delay then applies).
 *
 * Committed entries are the same on every replica (raft-safety checks that), so the state after
 * index i is one thing; the first replica to apply i (usually the leader) is when it took effect.
 * Replays after a restart and lagging replicas apply indexes already seen and are ignored.
 */
import type { Micros } from '../../core/env.ts';
import type { AppliedEntry, CoordStore } from '../../core/store/index.ts';
import type { LockExclusivityChecker } from './lock-exclusivity.ts';

interface Holder {
  readonly session: string;
  readonly lockDelayUs: Micros;
}

export class LockHistory {
  private maxIndex = 0;
  private readonly holders = new Map<string, Holder>();

  constructor(
    private readonly keys: readonly string[],
    private readonly checker: LockExclusivityChecker,
    private readonly now: () => Micros,
  ) {}

  /** Watches one replica's store (call for each incarnation of each server). */
  watch(store: CoordStore): void {
    store.onApply((e) => this.applied(store, e));
  }

  private applied(store: CoordStore, e: AppliedEntry): void {
    if (e.index <= this.maxIndex) return;
    this.maxIndex = e.index;
    const t = this.now();
    for (const key of this.keys) {
      const cur = store.kv.get(key);
      const session = cur?.session ?? undefined;
      const prev = this.holders.get(key);
      if (prev && prev.session !== session) {
        const removed = e.effects.some((fx) => fx.kind === 'session.removed' && fx.id === prev.session);
        this.checker.record({ kind: 'freed', t, key, session: prev.session, cause: removed ? 'invalidated' : 'release', lockDelayUs: prev.lockDelayUs, clock: store.clockUs() });
        this.holders.delete(key);
      }
      if (session !== undefined && prev?.session !== session) {
        const rec = store.sessions.get(session);
        this.holders.set(key, { session, lockDelayUs: rec?.lockDelayUs ?? 0 });
        this.checker.record({ kind: 'granted', t, key, session, holder: rec?.node ?? '?', token: cur!.lockIndex, clock: store.clockUs() });
      }
    }
  }
}
