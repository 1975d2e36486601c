/**
 * lock-exclusive, judged over what lock clients BELIEVED (src/scenario/modules/locks.ts): each
 * holding runs from the acquire's success to the client's release (or, for a careful client,
 * TTL after its last successful renewal was sent). No two clients' beliefs may overlap on one
 * lock, and a different client's acquisition must come with a larger fencing token
 * (LockIndex). One judge for the simulated clients and the real ones (src/real-run).
 */
import type { NodeId } from '../../core/env.ts';
import type { ExpectationSpec, Verdict } from '../types.ts';
import { humanDuration } from '../units.ts';
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
  const byLock = new Map<string, Holding[]>();
  for (const h of holdings) {
    const l = byLock.get(h.lock) ?? [];
    l.push(h);
    byLock.set(h.lock, l);
  }
  const problems: { t: number; text: string }[] = [];
  for (const [lock, hs] of byLock) {
    hs.sort((a, b) => a.fromUs - b.fromUs);
    for (let i = 1; i < hs.length; i++) {
      const a = hs[i - 1]!;
      const b = hs[i]!;
      // The same session re-acquiring a lock it still holds keeps its LockIndex (Consul):
      // only a different client must come with a larger fencing token.
      if (b.client !== a.client && b.token <= a.token) problems.push({ t: b.fromUs, text: `${lock}: fencing token ${b.token} of ${b.client} at ${humanDuration(b.fromUs)} does not exceed ${a.token} of ${a.client}` });
      for (let j = i - 1; j >= 0 && j >= i - 8; j--) {
        const p = hs[j]!;
        if (p.client !== b.client && p.toUs > b.fromUs) {
          problems.push({ t: b.fromUs, text: `${lock}: ${b.client} holds it from ${humanDuration(b.fromUs)} while ${p.client} still believes it holds it (${humanDuration(p.fromUs)}–${humanDuration(p.toUs)})` });
        }
      }
    }
  }
  problems.sort((a, b) => a.t - b.t);
  if (tally.acquires === 0) return vacuous(exp, `no lock was ever acquired (${tally.attempts} attempts): nothing to check`);
  return verdict(
    exp,
    problems.length === 0,
    problems.length === 0 ? `${tally.acquires} acquisitions of ${byLock.size} lock(s) by ${tally.clients} clients (${tally.attempts} attempts), none overlapping` : `${problems[0]!.text}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
    problems[0]?.t,
  );
}
