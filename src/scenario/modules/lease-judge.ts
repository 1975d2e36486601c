/**
 * lease-expires-within T, judged over the leases clients granted (src/scenario/modules/leases.ts):
 * every lease that expired did so never before TTL after the client SENT its last successful
 * keep-alive, and within TTL + T of it; a lease of a client that is down at the end must have
 * expired once T (plus a keep-alive period) has passed. One judge for the simulated clients and
 * the real ones (src/real-run/lease-workload.ts).
 */
import type { NodeId } from '../../core/env.ts';
import type { ExpectationSpec, Verdict } from '../types.ts';
import { humanDuration } from '../units.ts';
import { vacuous, verdict } from '../verdict.ts';

export interface LeaseLife {
  readonly id: string;
  readonly client: NodeId;
  readonly grantedUs: number;
  lastKeepaliveSentUs: number;
  expiredUs?: number;
}

export interface LeaseJudgeContext {
  readonly ttlUs: number;
  readonly keepaliveUs: number;
  readonly endUs: number;
  isUp(client: NodeId): boolean;
}

export function judgeLeaseLives(exp: ExpectationSpec, lives: readonly LeaseLife[], c: LeaseJudgeContext): Verdict {
  const slack = exp.params as number;
  const problems: { t: number; text: string }[] = [];
  let expired = 0;
  for (const l of lives) {
    const due = l.lastKeepaliveSentUs + c.ttlUs;
    if (l.expiredUs !== undefined) {
      expired++;
      if (l.expiredUs < due) problems.push({ t: l.expiredUs, text: `lease of ${l.client} expired at ${humanDuration(l.expiredUs)}, before its TTL ran out (${humanDuration(due)})` });
      else if (l.expiredUs > due + slack) problems.push({ t: due + slack, text: `lease of ${l.client} expired only at ${humanDuration(l.expiredUs)}, ${humanDuration(l.expiredUs - due)} after its TTL ran out` });
    } else if (c.endUs > due + slack + c.keepaliveUs && !c.isUp(l.client)) {
      problems.push({ t: due + slack, text: `lease of ${l.client} (down) never expired; TTL ran out at ${humanDuration(due)}` });
    }
  }
  problems.sort((a, b) => a.t - b.t);
  if (lives.length === 0) return vacuous(exp, 'no lease was ever granted: nothing to check');
  const lat = lives
    .filter((l) => l.expiredUs !== undefined)
    .map((l) => l.expiredUs! - l.lastKeepaliveSentUs)
    .sort((a, b) => a - b);
  const range = lat.length ? `, expiry after last keep-alive ${humanDuration(lat[0]!)}..${humanDuration(lat[lat.length - 1]!)}` : '';
  return verdict(
    exp,
    problems.length === 0,
    problems.length === 0 ? `${lives.length} leases granted, ${expired} expired, all in [TTL, TTL + ${humanDuration(slack)}]${range}` : `${problems[0]!.text}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
    problems[0]?.t,
  );
}
