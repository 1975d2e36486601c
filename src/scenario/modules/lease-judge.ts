/**
 * lease-expires-within T, judged over the leases clients were granted: one judge for the
 * simulated clients (src/scenario/modules/leases.ts) and the real ones (src/real-run/lease-workload.ts).
 *
 * The deadline depends on what a lease is:
 *  - `coord-rpc` (the store's etcd-style leases): TTL after the client SENT its last successful
 *    keep-alive (the +1 s etcd adds on a leader change is in the slack);
 *  - `api` (a Consul TTL session with Behavior delete): 2 x TTL after the last renewal, and a
 *    newly elected leader restarts the countdown from full (Consul's session rule,
 *    ./lease-api.ts), so the latest allowed expiry moves to the last election before it.
 * Every lease that expired did so never before its deadline and within T of the latest the rule
 * allows; a lease of a client that is down at the end must have expired once T (plus a
 * keep-alive period) has passed.
 */
import type { NodeId } from '../../core/env.ts';
import type { ExpectationSpec, Verdict } from '../types.ts';
import { humanDuration } from '../units.ts';
import { vacuous, verdict } from '../verdict.ts';
import { SESSION_TTL_MULTIPLIER } from '../../core/coord/config.ts';

export interface LeaseLife {
  readonly id: string;
  /** The Raft index of its grant (lease) or creation (session), where known. */
  readonly index?: number;
  readonly client: NodeId;
  readonly grantedUs: number;
  lastKeepaliveSentUs: number;
  expiredUs?: number;
}

export interface LeaseJudgeContext {
  readonly via: 'api' | 'coord-rpc';
  readonly ttlUs: number;
  readonly keepaliveUs: number;
  readonly endUs: number;
  /** Times a new leader was elected (ascending or not); they restart an `api` lease's countdown. */
  readonly elections: readonly number[];
  isUp(client: NodeId): boolean;
}

export function judgeLeaseLives(exp: ExpectationSpec, lives: readonly LeaseLife[], c: LeaseJudgeContext): Verdict {
  const slack = exp.params as number;
  const problems: { t: number; text: string }[] = [];
  let expired = 0;
  const span = c.via === 'api' ? SESSION_TTL_MULTIPLIER * c.ttlUs : c.ttlUs;
  const lastElectionBefore = (t: number) => {
    let e = -Infinity;
    for (const x of c.elections) if (x <= t && x > e) e = x;
    return e;
  };
  for (const l of lives) {
    const due = l.lastKeepaliveSentUs + span;
    // The latest the rule allows: a leader elected after the last renewal restarts the countdown.
    const latest = c.via === 'api' ? Math.max(l.lastKeepaliveSentUs, lastElectionBefore(l.expiredUs ?? c.endUs)) + span : due;
    if (l.expiredUs !== undefined) {
      expired++;
      if (l.expiredUs < due) problems.push({ t: l.expiredUs, text: `lease of ${l.client} expired at ${humanDuration(l.expiredUs)}, before its deadline (${humanDuration(due)})` });
      else if (l.expiredUs > latest + slack) problems.push({ t: latest + slack, text: `lease of ${l.client} expired only at ${humanDuration(l.expiredUs)}, ${humanDuration(l.expiredUs - latest)} after its deadline (${humanDuration(latest)})` });
    } else if (c.endUs > latest + slack + c.keepaliveUs && !c.isUp(l.client)) {
      problems.push({ t: latest + slack, text: `lease of ${l.client} (down) never expired; its deadline was ${humanDuration(latest)}` });
    }
  }
  problems.sort((a, b) => a.t - b.t);
  if (lives.length === 0) return vacuous(exp, 'no lease was ever granted: nothing to check');
  const lat = lives
    .filter((l) => l.expiredUs !== undefined)
    .map((l) => l.expiredUs! - l.lastKeepaliveSentUs)
    .sort((a, b) => a - b);
  const range = lat.length ? `, expiry after last keep-alive ${humanDuration(lat[0]!)}..${humanDuration(lat[lat.length - 1]!)}` : '';
  const what = c.via === 'api' ? 'sessions (leases via the API) created' : 'leases granted';
  return verdict(
    exp,
    problems.length === 0,
    problems.length === 0 ? `${lives.length} ${what}, ${expired} expired, all in [deadline, deadline + ${humanDuration(slack)}]${range}` : `${problems[0]!.text}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
    problems[0]?.t,
  );
}
