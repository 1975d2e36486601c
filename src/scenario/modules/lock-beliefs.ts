/**
 * lock-exclusive for a run that sees only its clients (src/real-run): the holdings real lock
 * clients BELIEVED are judged by the one lock checker (src/sim/checkers/lock-exclusivity.ts), the
 * same that judges simulated runs. A real run has no trace of the servers' applied entries, so
 * the server-side history is the one the clients observed: a grant when an acquire succeeded
 * (with the key's LockIndex as fencing token), a release when the holding ended. With that view
 * the checker judges one holder at a time, growing fencing tokens and overlapping beliefs; it
 * cannot judge lock-delay (no invalidation is observed), which only simulated runs check.
 */
import type { NodeId } from '../../core/env.ts';
import { LockExclusivityChecker } from '../../sim/checkers/lock-exclusivity.ts';
import type { ExpectationSpec, Verdict } from '../types.ts';
import { vacuous, verdict } from '../verdict.ts';

export interface Holding {
  readonly lock: string;
  readonly client: NodeId;
  readonly token: number;
  readonly fromUs: number;
  toUs: number;
}

export interface LockTally {
  readonly acquires: number;
  readonly attempts: number;
  readonly clients: number;
}

export function judgeLockBeliefs(exp: ExpectationSpec, holdings: readonly Holding[], tally: LockTally): Verdict {
  if (tally.acquires === 0) return vacuous(exp, `no lock was ever acquired (${tally.attempts} attempts): nothing to check`);
  const checker = new LockExclusivityChecker();
  const byLock = new Map<string, Holding[]>();
  for (const h of holdings) {
    const l = byLock.get(h.lock) ?? [];
    l.push(h);
    byLock.set(h.lock, l);
  }
  for (const [lock, hs] of byLock) {
    hs.sort((a, b) => a.fromUs - b.fromUs);
    let prev: Holding | undefined;
    for (const h of hs) {
      // A client is its own session here. Re-acquiring a lock it still holds keeps its LockIndex
      // (Consul): the same grant, not a new one.
      const again = prev !== undefined && prev.client === h.client && prev.token === h.token;
      if (!again) checker.record({ kind: 'granted', t: h.fromUs, key: lock, session: h.client, holder: h.client, token: h.token, clock: h.fromUs });
      checker.record({ kind: 'believed', key: lock, client: h.client, session: h.client, fromUs: h.fromUs, toUs: h.toUs });
      if (Number.isFinite(h.toUs)) checker.record({ kind: 'freed', t: h.toUs, key: lock, session: h.client, cause: 'release', lockDelayUs: 0, clock: h.toUs });
      prev = h;
    }
  }
  const v = checker.check();
  return verdict(
    exp,
    v.ok,
    v.ok
      ? `${tally.acquires} acquisitions of ${byLock.size} lock(s) by ${tally.clients} clients (${tally.attempts} attempts), none overlapping (as the clients saw them)`
      : `${v.first!.text}${v.violations.length > 1 ? ` (+${v.violations.length - 1} more)` : ''}`,
    v.first?.t,
  );
}
