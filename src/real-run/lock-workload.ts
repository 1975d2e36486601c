/**
 * The scenario's `locks:` clients against real agents, through the Consul HTTP API, as the
 * simulated clients of src/scenario/modules/locks.ts act through the store commands:
 *   register the client node in the catalog (PUT /v1/catalog/register, a passing serfHealth),
 *   create a session (PUT /v1/session/create {Node, TTL, LockDelay}), renew it every TTL/2
 *   (PUT /v1/session/renew/S; 404 = invalidated), acquire (PUT /v1/kv/L?acquire=S → true),
 *   hold, release (PUT /v1/kv/L?release=S), destroy a session whose release is unsettled.
 * Consul's acquire answers only true/false: the fencing token (LockIndex) is read right after
 * with GET ?consistent, and believed only if the entry still names our session (otherwise the
 * client does not believe it holds the lock: a careful client acts on no unknown token).
 * What the clients believe is judged by the same judge as in the simulator
 * (src/scenario/modules/lock-beliefs.ts). Each call is also recorded in the history format
 * (f: session-create, renew, acquire, release; times µs since the run started).
 */
import type { NodeId, Random } from '../core/env.ts';
import type { HistoryRecorder } from '../sim/history.ts';
import { RecordedCalls } from './recorded-calls.ts';
import type { LocksModuleConfig } from '../scenario/modules/locks.ts';
import type { Holding } from '../scenario/modules/lock-beliefs.ts';
import type { Answer } from './http-call.ts';
import { sleep } from '../hanode/launcher.ts';
import { randomStream } from '../host/random.ts';
import type { ClientNodes } from './client-nodes.ts';
import { json200, RealApiClient } from './api-client.ts';

/** Retry pause after a failed setup step (catalog, session): as the simulated client's SETUP_RETRY_US. */
const SETUP_RETRY_MS = 500;
/** A request's bound: the simulated RPC client gives up after 4 attempts x 1 s (coord-client.ts). */
const REQUEST_TIMEOUT_MS = 4_000;
/** How long to wait for a release's answer before acquiring again (locks.ts RELEASE_ANSWER_WAIT_US). */
const RELEASE_ANSWER_WAIT_MS = 5_000;
/** Process numbers of lock clients in the history start here (KV processes are below). */
export const LOCK_PROCESS_BASE = 100_000;

export interface RealLockOptions {
  readonly cfg: LocksModuleConfig;
  readonly servers: readonly string[];
  readonly clients: ClientNodes | undefined;
  readonly seed: number;
  readonly t0: number;
  readonly endUs: number;
  readonly log?: (line: string) => void;
}

export class RealLockWorkload {
  readonly holdings: Holding[] = [];
  private readonly calls: RecordedCalls;
  acquires = 0;
  attempts = 0;
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly o: RealLockOptions) {
    this.calls = new RecordedCalls(o.t0, LOCK_PROCESS_BASE);
  }

  get history(): HistoryRecorder {
    return this.calls.history;
  }

  start(): void {
    for (const c of this.o.cfg.clients) this.loops.push(...this.client(c));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await this.calls.settle();
  }



  private client(node: NodeId): Promise<void>[] {
    const cfg = this.o.cfg;
    const r: Random = randomStream(this.o.seed, `real-locks/${node}`);
    const api = new RealApiClient(node, this.o.servers, this.o.clients, r, REQUEST_TIMEOUT_MS);
    const ttlMs = cfg.sessionTtlUs / 1000;
    let session: string | undefined;
    let lastRenewSentUs = -Infinity;
    let held: Holding | undefined;
    let registered = false;
    const unsettled = new Map<string, { sentUs: number; answered: boolean }>();
    const endBelief = (t: number) => {
      if (!held) return;
      held.toUs = cfg.careless ? t : Math.min(t, lastRenewSentUs + cfg.sessionTtlUs);
      held = undefined;
    };
    const gapMs = () => Math.max(1, (-Math.log(1 - r.next()) / cfg.ratePerSec) * 1000);
    const background = (p: Promise<unknown>) => this.calls.background(p);

    const ensureSession = async (): Promise<boolean> => {
      if (session && unsettled.has(session)) {
        const old = session;
        session = undefined;
        unsettled.delete(old);
        this.o.log?.(`${node} retires session ${old}: a release's outcome is unknown`);
        background(this.calls.call(api, 'session-destroy', old, 'PUT', `/v1/session/destroy/${old}`));
      }
      for (let i = 0; i < 100_000 && !session && !this.stopping; i++) {
        if (!api.isUp()) {
          await sleep(SETUP_RETRY_MS);
          continue;
        }
        if (!registered) {
          const body = JSON.stringify({ Node: node, Address: this.o.clients?.addr(node) ?? '127.0.0.1', Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' } });
          registered = json200(await api.call('PUT', '/v1/catalog/register', body)) === true;
          if (!registered) await sleep(SETUP_RETRY_MS);
          continue;
        }
        const sent = this.calls.now();
        const body = JSON.stringify({ Node: node, TTL: `${Math.round(ttlMs)}ms`, ...(cfg.lockDelayUs !== undefined ? { LockDelay: `${Math.round(cfg.lockDelayUs / 1000)}ms` } : {}) });
        const v = json200(await this.calls.call(api, 'session-create', node, 'PUT', '/v1/session/create', body)) as { ID?: unknown } | undefined;
        if (v && typeof v.ID === 'string' && v.ID !== '') {
          session = v.ID;
          lastRenewSentUs = sent;
        } else await sleep(SETUP_RETRY_MS);
      }
      return session !== undefined;
    };

    const renewLoop = async () => {
      for (let i = 0; i < 1_000_000 && !this.stopping; i++) {
        await sleep(ttlMs / 2);
        if (this.stopping || !session || !api.isUp()) continue;
        const id = session;
        const sent = this.calls.now();
        const a = await this.calls.call(api, 'renew', id, 'PUT', `/v1/session/renew/${id}`);
        if (typeof a !== 'string' && a.status === 200) {
          if (session === id) lastRenewSentUs = Math.max(lastRenewSentUs, sent);
        } else if (typeof a !== 'string' && a.status === 404 && session === id) {
          // The server invalidated it: whatever we held is gone.
          if (!cfg.careless) endBelief(this.calls.now());
          session = undefined;
        }
      }
    };

    const acquireLoop = async () => {
      for (let i = 0; i < 1_000_000 && !this.stopping; i++) {
        await sleep(gapMs());
        if (this.stopping) break;
        // A careful client gives the lock up in its mind once its session may have expired.
        if (held && !cfg.careless && this.calls.now() >= lastRenewSentUs + cfg.sessionTtlUs) endBelief(this.calls.now());
        if (held || !api.isUp()) continue;
        const pending = session ? unsettled.get(session) : undefined;
        if (pending && !pending.answered && this.calls.now() - pending.sentUs < RELEASE_ANSWER_WAIT_MS * 1000) continue;
        if (!(await ensureSession())) continue;
        const id = session!;
        const lock = `locks/L${r.int(cfg.locks)}`;
        this.attempts++;
        const got = json200(await this.calls.call(api, 'acquire', lock, 'PUT', `/v1/kv/${lock}?acquire=${encodeURIComponent(id)}`, node)) === true;
        const fromUs = this.calls.now();
        const backed = cfg.careless || fromUs < lastRenewSentUs + cfg.sessionTtlUs;
        if (!got || session !== id || held || !backed) continue;
        const token = lockIndexHeldBy(await api.call('GET', `/v1/kv/${lock}?consistent`), id);
        if (token === undefined) {
          // Not believed: release what we may hold and go on (the release settles or retires the session).
          this.release(api, lock, id, unsettled, background);
          continue;
        }
        this.acquires++;
        const mine: Holding = { lock, client: node, token, fromUs, toUs: this.o.endUs };
        held = mine;
        this.holdings.push(mine);
        this.o.log?.(`${((fromUs / 1e6).toFixed(1))}s ${node} acquires ${lock} (fencing token ${token})`);
        await sleep(cfg.holdUs / 1000);
        if (held !== mine || this.stopping) continue;
        endBelief(this.calls.now());
        this.release(api, lock, id, unsettled, background);
      }
    };
    return [renewLoop(), acquireLoop()];
  }

  private release(api: RealApiClient, lock: string, id: string, unsettled: Map<string, { sentUs: number; answered: boolean }>, background: (p: Promise<unknown>) => void): void {
    const pending = { sentUs: this.calls.now(), answered: false };
    unsettled.set(id, pending);
    background(
      this.calls.call(api, 'release', lock, 'PUT', `/v1/kv/${lock}?release=${encodeURIComponent(id)}`).then((a) => {
        pending.answered = true;
        // Applied (released or not): settled. Anything else retires the session at the next acquire.
        if (typeof a !== 'string' && a.status === 200 && unsettled.get(id) === pending) unsettled.delete(id);
      }),
    );
  }
}

/** The LockIndex of a GET /v1/kv answer whose entry is held by `session` (untrusted input). */
function lockIndexHeldBy(a: Answer, session: string): number | undefined {
  const list = json200(a);
  if (!Array.isArray(list)) return undefined;
  const e = list[0] as { Session?: unknown; LockIndex?: unknown } | undefined;
  if (!e || typeof e !== 'object' || e.Session !== session) return undefined;
  const t = Number(e.LockIndex);
  return Number.isSafeInteger(t) && t > 0 ? t : undefined;
}
