/**
 * Lock exclusivity with fencing, checked over a simulated run.
 *
 * Inputs are three kinds of observations, all stamped with TRUE virtual time:
 *  - `acquired`: a client learned that its acquire succeeded with fencing token `token`
 *    (Consul's LockIndex of the key, or a lock node's czxid);
 *  - `released`: the client stopped believing it holds the lock (released it, or learned
 *    that its session died);
 *  - `act`: the protected resource's verdict on an action a client took with a token.
 *
 * Verdicts:
 *  1. unique tokens — no two clients ever hold (or act with) the same token on the same key;
 *  2. fencing — the resource accepts tokens in non-decreasing order per key, and it
 *     never accepts an action whose token is below one it accepted earlier (a stale holder
 *     is fenced off);
 *  3. tokens grow with acquisition order — a client's first acquisition of a token never
 *     carries a smaller token than one another client acquired earlier. (A stale holder
 *     that "re-acquires" a token it already held, from a stale read, is not a new
 *     acquisition: it is exactly the stale holder that fencing must stop, and rule 2 checks it.)
 * Overlapping beliefs (two clients each believing they hold the lock, as happens when a
 * partitioned holder has not yet noticed that its session died) are allowed: they are what
 * fencing is for. They are counted and reported, with the rejected stale actions.
 */
import type { Micros } from '../../core/env.ts';

export type LockObservation =
  | { readonly kind: 'acquired'; readonly t: Micros; readonly client: string; readonly key: string; readonly token: number }
  | { readonly kind: 'released'; readonly t: Micros; readonly client: string; readonly key: string; readonly token: number }
  | { readonly kind: 'act'; readonly t: Micros; readonly client: string; readonly key: string; readonly token: number; readonly accepted: boolean };

export interface LockVerdict {
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly stats: {
    readonly acquisitions: number;
    readonly actions: number;
    readonly accepted: number;
    /** Actions rejected because a newer token had been accepted: stale holders fenced off. */
    readonly fenced: number;
    /** Moments a client acquired while another still believed it held the lock. */
    readonly overlappingBeliefs: number;
    readonly maxToken: number;
  };
}

/** Bound on recorded observations (a run that produces more is misconfigured). */
const MAX_OBSERVATIONS = 1_000_000;

export class LockExclusivityChecker {
  private readonly obs: LockObservation[] = [];

  record(o: LockObservation): void {
    if (this.obs.length >= MAX_OBSERVATIONS) throw new Error('lock checker: too many observations');
    this.obs.push(o);
  }

  observations(): readonly LockObservation[] {
    return this.obs;
  }

  check(): LockVerdict {
    const violations: string[] = [];
    const owner = new Map<string, string>(); // `${key}#${token}` → client
    const maxAccepted = new Map<string, number>();
    const lastAcquired = new Map<string, { token: number; client: string; t: Micros }>();
    const believers = new Map<string, Map<string, number>>(); // key → client → token
    let acquisitions = 0;
    let actions = 0;
    let accepted = 0;
    let fenced = 0;
    let overlapping = 0;
    let maxToken = 0;
    const claim = (key: string, token: number, client: string, what: string, t: Micros) => {
      const id = `${key}#${token}`;
      const prev = owner.get(id);
      if (prev === undefined) owner.set(id, client);
      else if (prev !== client) violations.push(`t=${t}: ${client} ${what} ${key} with token ${token}, already used by ${prev}`);
    };
    // Stable sort by time keeps the recording order of simultaneous events.
    const ordered = this.obs.map((o, i) => ({ o, i })).sort((a, b) => a.o.t - b.o.t || a.i - b.i);
    for (const { o } of ordered) {
      maxToken = Math.max(maxToken, o.token);
      let bel = believers.get(o.key);
      if (!bel) believers.set(o.key, (bel = new Map()));
      switch (o.kind) {
        case 'acquired': {
          acquisitions++;
          const firstTime = !owner.has(`${o.key}#${o.token}`);
          claim(o.key, o.token, o.client, 'acquired', o.t);
          const last = lastAcquired.get(o.key);
          if (firstTime && last && last.client !== o.client && o.token < last.token) {
            violations.push(`t=${o.t}: ${o.client} acquired ${o.key} with token ${o.token} after ${last.client} had ${last.token}`);
          }
          if (!last || o.token >= last.token) lastAcquired.set(o.key, { token: o.token, client: o.client, t: o.t });
          for (const [c] of bel) if (c !== o.client) overlapping++;
          bel.set(o.client, o.token);
          break;
        }
        case 'released':
          if (bel.get(o.client) === o.token) bel.delete(o.client);
          break;
        case 'act': {
          actions++;
          claim(o.key, o.token, o.client, 'acted on', o.t);
          const max = maxAccepted.get(o.key) ?? 0;
          if (o.accepted) {
            accepted++;
            if (o.token < max) violations.push(`t=${o.t}: resource accepted stale token ${o.token} from ${o.client} after ${max}`);
            maxAccepted.set(o.key, Math.max(max, o.token));
          } else if (o.token < max) fenced++;
          else violations.push(`t=${o.t}: resource rejected current token ${o.token} from ${o.client} (max ${max})`);
          break;
        }
      }
    }
    return {
      ok: violations.length === 0,
      violations: violations.slice(0, 20),
      stats: { acquisitions, actions, accepted, fenced, overlappingBeliefs: overlapping, maxToken },
    };
  }
}
