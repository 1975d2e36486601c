/**
 * Lock exclusivity, the one lock checker (Consul's lock semantics), over a simulated run.
 *
 * Its inputs, all stamped with TRUE virtual time:
 *  - the SERVER-SIDE acquisition history (./lock-history.ts derives it from the replicas'
 *    applied entries): `granted` — the committed log handed a free lock to a session, with
 *    fencing token `token` (the key's LockIndex); `freed` — the holder released it, or its
 *    session was invalidated / destroyed (then Consul's lock-delay applies). Each carries the
 *    store's replicated clock (`clock`), the clock the lock-delay rule is defined on;
 *  - what clients BELIEVE: `believed` — a client held the lock with `session` from `fromUs`
 *    (its acquire's success) to `toUs` (it sent the release, learned its session died, or
 *    TTL passed since it sent its last successful renewal: past that the server may have
 *    handed the lock on);
 *  - optionally a fenced resource's verdicts: `act` — a client acted with a token, accepted or not.
 *
 * Verdicts (any violation fails):
 *  1. one holder — the servers never grant a lock that another session holds;
 *  2. fencing — each grant carries a larger token than the grant before it on that key;
 *  3. lock-delay — after a holder's session is invalidated or destroyed, nobody is granted the
 *     lock before LockDelay has passed on the replicated clock;
 *  4. exclusive beliefs — no client believes it holds a lock while the servers hold it for a
 *     different session (overlapping holders are a violation, whatever fencing may save);
 *  5. a fenced resource accepts tokens in non-decreasing order per key, never rejects the
 *     newest, and no two clients act with one token.
 */
import type { Micros } from '../../core/env.ts';

export type LockObservation =
  | { readonly kind: 'granted'; readonly t: Micros; readonly key: string; readonly session: string; readonly holder: string; readonly token: number; readonly clock: Micros }
  | { readonly kind: 'freed'; readonly t: Micros; readonly key: string; readonly session: string; readonly cause: 'release' | 'invalidated'; readonly lockDelayUs: Micros; readonly clock: Micros }
  | { readonly kind: 'believed'; readonly key: string; readonly client: string; readonly session: string; readonly fromUs: Micros; readonly toUs: Micros }
  | { readonly kind: 'act'; readonly t: Micros; readonly client: string; readonly key: string; readonly token: number; readonly accepted: boolean };

export interface LockViolation {
  readonly t: Micros;
  readonly text: string;
}

export interface LockVerdict {
  readonly ok: boolean;
  /** The first violations, in time order (at most 20). */
  readonly violations: readonly string[];
  readonly first?: LockViolation;
  readonly stats: {
    /** Server-side grants of a free lock. */
    readonly acquisitions: number;
    /** Client beliefs (holds a client acted on). */
    readonly beliefs: number;
    readonly actions: number;
    readonly accepted: number;
    /** Actions rejected because a newer token had been accepted: stale holders fenced off. */
    readonly fenced: number;
    readonly maxToken: number;
  };
}

/** Bound on recorded observations (a run that produces more is misconfigured). */
const MAX_OBSERVATIONS = 1_000_000;

interface Hold {
  readonly session: string;
  readonly holder: string;
  readonly token: number;
  readonly fromUs: Micros;
  toUs: Micros;
}

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
    const found: LockViolation[] = [];
    const holds = new Map<string, Hold[]>(); // key → server-side holds, in grant order
    const lastFree = new Map<string, Extract<LockObservation, { kind: 'freed' }>>();
    const lastToken = new Map<string, number>();
    let acquisitions = 0;
    let maxToken = 0;
    const server = this.obs
      .map((o, i) => ({ o, i }))
      .filter((x) => x.o.kind === 'granted' || x.o.kind === 'freed')
      .sort((a, b) => timeOf(a.o) - timeOf(b.o) || a.i - b.i)
      .map((x) => x.o as Extract<LockObservation, { kind: 'granted' | 'freed' }>);
    for (const o of server) {
      let hs = holds.get(o.key);
      if (!hs) holds.set(o.key, (hs = []));
      const open = hs.length > 0 && hs[hs.length - 1]!.toUs === Infinity ? hs[hs.length - 1]! : undefined;
      if (o.kind === 'granted') {
        acquisitions++;
        maxToken = Math.max(maxToken, o.token);
        if (open) found.push({ t: o.t, text: `${o.key}: granted to ${o.holder} (session ${o.session}) at ${fmt(o.t)} while ${open.holder} (session ${open.session}) held it` });
        const prev = lastToken.get(o.key);
        if (prev !== undefined && o.token <= prev) found.push({ t: o.t, text: `${o.key}: fencing token ${o.token} of ${o.holder} at ${fmt(o.t)} does not exceed the previous grant's ${prev}` });
        lastToken.set(o.key, Math.max(prev ?? 0, o.token));
        const free = lastFree.get(o.key);
        if (free && free.cause === 'invalidated' && o.clock < free.clock + free.lockDelayUs) {
          found.push({ t: o.t, text: `${o.key}: granted to ${o.holder} ${fmt(o.clock - free.clock)} (replicated clock) after session ${free.session} was invalidated, within its lock-delay of ${fmt(free.lockDelayUs)}` });
        }
        hs.push({ session: o.session, holder: o.holder, token: o.token, fromUs: o.t, toUs: Infinity });
      } else {
        if (open && open.session === o.session) open.toUs = o.t;
        lastFree.set(o.key, o);
      }
    }

    let beliefs = 0;
    for (const o of this.obs) {
      if (o.kind !== 'believed') continue;
      beliefs++;
      for (const h of holds.get(o.key) ?? []) {
        if (h.session === o.session || h.fromUs >= o.toUs || h.toUs <= o.fromUs) continue;
        const t = Math.max(h.fromUs, o.fromUs);
        found.push({ t, text: `${o.key}: ${o.client} believes it holds it (${fmt(o.fromUs)}–${fmt(o.toUs)}) while the servers hold it for ${h.holder} (session ${h.session}, from ${fmt(h.fromUs)})` });
      }
    }

    // A fenced resource's verdicts, in time order.
    const owner = new Map<string, string>(); // `${key}#${token}` → client
    const maxAccepted = new Map<string, number>();
    let actions = 0;
    let accepted = 0;
    let fenced = 0;
    const acts = this.obs
      .map((o, i) => ({ o, i }))
      .filter((x) => x.o.kind === 'act')
      .sort((a, b) => timeOf(a.o) - timeOf(b.o) || a.i - b.i);
    for (const { o: a } of acts) {
      const o = a as Extract<LockObservation, { kind: 'act' }>;
      actions++;
      maxToken = Math.max(maxToken, o.token);
      const id = `${o.key}#${o.token}`;
      const prev = owner.get(id);
      if (prev === undefined) owner.set(id, o.client);
      else if (prev !== o.client) found.push({ t: o.t, text: `${o.client} acted on ${o.key} with token ${o.token}, already used by ${prev}` });
      const max = maxAccepted.get(o.key) ?? 0;
      if (o.accepted) {
        accepted++;
        if (o.token < max) found.push({ t: o.t, text: `resource accepted stale token ${o.token} from ${o.client} after ${max}` });
        maxAccepted.set(o.key, Math.max(max, o.token));
      } else if (o.token < max) fenced++;
      else found.push({ t: o.t, text: `resource rejected current token ${o.token} from ${o.client} (max ${max})` });
    }

    found.sort((a, b) => a.t - b.t);
    return {
      ok: found.length === 0,
      violations: found.slice(0, 20).map((v) => `t=${v.t}: ${v.text}`),
      ...(found[0] ? { first: found[0] } : {}),
      stats: { acquisitions, beliefs, actions, accepted, fenced, maxToken },
    };
  }
}

function timeOf(o: LockObservation): Micros {
  return o.kind === 'believed' ? o.fromUs : o.t;
}

/** Virtual µs as seconds with ms precision (checkers stay free of the scenario's formatting). */
function fmt(us: Micros): string {
  return us === Infinity ? 'end' : `${(us / 1_000_000).toFixed(3)}s`;
}
