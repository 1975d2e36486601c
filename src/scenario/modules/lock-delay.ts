/**
 * The `lock-delay` expectation of the `locks:` module (issue 16): Consul's lock-delay — once a
 * session holding a lock is invalidated, nobody may take that lock for the session's LockDelay
 * (15 s by default; Consul docs, "Sessions": "lock-delay ... prevents ... acquiring the lock
 * until the delay has passed"). lock-exclusive cannot see a missing delay: a careful client's
 * belief ends by its own TTL rule long before, so overlapping beliefs never appear.
 *
 * Judged from what is known for sure: the leader traces `session.ttl-expired` when it proposes
 * the invalidation (the invalidation applies no earlier), and the locks the session held then
 * in the leader's store are the ones the invalidation frees; a client's acquisition applied
 * no later than its success reached the client. An acquisition of such a lock by another
 * session whose success arrived less than 90 % of the delay after the expiry trace broke the
 * rule; the 10 % margin covers the replicated clock's drift against true time.
 */
import { humanDuration } from '../units.ts';

export interface DelayAcquisition {
  readonly lock: string;
  readonly client: string;
  readonly session: string;
  readonly fromUs: number;
}

/** A session's TTL expiry as the leader traced it, with the locks it held there then. */
export interface SessionExpiry {
  readonly session: string;
  readonly t: number;
  readonly locks: readonly string[];
}

/** The share of the delay that must have passed (the rest covers clock drift). */
const MARGIN = 0.9;

/** Violations, earliest first: an acquisition by another session inside the delay of a lock freed by an expiry. */
export function lockDelayViolations(acquisitions: readonly DelayAcquisition[], expiries: readonly SessionExpiry[], delayUs: number): { t: number; text: string }[] {
  const out: { t: number; text: string }[] = [];
  for (const e of expiries) {
    for (const lock of e.locks) {
      const b = acquisitions.find((x) => x.lock === lock && x.session !== e.session && x.fromUs >= e.t && x.fromUs < e.t + MARGIN * delayUs);
      if (b) out.push({ t: b.fromUs, text: `${lock}: ${b.client} acquired it at ${humanDuration(b.fromUs)}, ${humanDuration(b.fromUs - e.t)} after session ${e.session} holding it expired (${humanDuration(e.t)}); lock-delay is ${humanDuration(delayUs)}` });
    }
  }
  return out.sort((x, y) => x.t - y.t);
}
