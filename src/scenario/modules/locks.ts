/**
 * `locks:` — Consul-style session locks through hanode's API (served in-process by the same
 * route logic, with leader forwarding: ./kv-api.ts): each client node registers itself
 * (`PUT /v1/catalog/register`), creates a session with a TTL bound to itself
 * (`PUT /v1/session/create`), renews it every TTL/2 (`PUT /v1/session/renew/<id>`), and
 * repeatedly acquires one of the locks (`PUT /v1/kv/<lock>?acquire=<id>`), holds it, and
 * releases it (`?release=<id>`). Every request is in `--history` (./api-calls.ts).
 *
 * lock-exclusive (src/sim/checkers/lock-exclusivity.ts) judges the servers' acquisition
 * history (taken from the replicas' applied entries: one holder at a time, fencing tokens =
 * LockIndex increase with every grant, lock-delay kept after an invalidation) and what the
 * clients BELIEVE, as a careful client must act: a client holds a lock from its acquire's
 * success until it sends the release, or until TTL after it sent its last successful session
 * renewal (past that, the server may have invalidated the session and handed the lock on). No
 * belief may overlap the servers' hold of the lock by another session.
 *
 * The client is careful in two more ways: an acquire reply arriving TTL past its last renewal
 * sent is not believed, and a session with a release whose outcome is unknown is destroyed and
 * replaced before the next acquire (as Consul's api/lock.go uses one session per hold), so the
 * late release cannot free a lock re-acquired with that session.
 *
 *   locks:
 *     clients: [c1, c2, c3]
 *     locks: 1
 *     hold: 2s
 *     sessionTtl: 10s
 *     rate: 1/s           # acquire attempts per client while not holding
 */
import type { NodeId } from '../../core/env.ts';
import { LockExclusivityChecker } from '../../sim/checkers/lock-exclusivity.ts';
import { LockHistory } from '../../sim/checkers/lock-history.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { verdict, vacuous } from '../verdict.ts';
import { ApiCalls, type ApiAnswer, type ApiCall } from './api-calls.ts';
import { raftNodesOf } from './coord-client.ts';
import { API_SERVICE, apiClientOf, apiServerOf } from './kv-api.ts';
import { noParams } from './params.ts';
import type { RaftPart } from './raft.ts';

export interface LocksModuleConfig {
  readonly clients: readonly NodeId[];
  readonly locks: number;
  readonly holdUs: number;
  readonly sessionTtlUs: number;
  readonly lockDelayUs?: number;
  readonly ratePerSec: number;
  /**
   * A deliberately careless client that believes it holds a lock until it releases it,
   * ignoring its session's TTL: shows what lock-exclusive catches (never use in real code).
   */
  readonly careless: boolean;
}

/** A client's belief that it holds a lock (what lock-exclusive judges against the servers' holds). */
interface Belief {
  readonly key: string;
  readonly client: NodeId;
  readonly session: string;
  readonly fromUs: number;
  toUs: number;
}

/** First history process number of the lock clients (the KV workload numbers from 0). */
const LOCKS_PROCESS_BASE = 1_000_000;
/**
 * One API request's bound: 4 s, as the coordination RPC client gave up (4 attempts x 1 s)
 * and under Consul's RPC hold timeout (7 s, agent/config default rpc_hold_timeout).
 */
const REQUEST_TIMEOUT_US = 4_000_000;

/** Retry pause after a failed setup step (catalog, session). */
const SETUP_RETRY_US = 500_000;
/**
 * How long a client waits for its release's answer before acquiring again: past the request's
 * own bound (REQUEST_TIMEOUT_US), the answer is not coming.
 */
const RELEASE_ANSWER_WAIT_US = REQUEST_TIMEOUT_US + 1_000_000;

export const locksModule: ScenarioModule<LocksModuleConfig> = {
  name: 'locks',
  doc: 'session locks: clients acquire, hold and release; exclusivity with fencing tokens',
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['clients', 'locks', 'hold', 'sessionTtl', 'lockDelay', 'rate', 'careless']);
    const raftNodes = raftNodesOf(ctx.modules);
    const clientsV = v.get('clients').required();
    const clients = ctx.topology.nodesOf(clientsV);
    const clash = clients.find((c) => raftNodes.has(c));
    if (clash) clientsV.fail(`client node "${clash}" also runs Raft; clients need nodes of their own`);
    const ttlV = v.get('sessionTtl');
    // Consul's session TTL range is 10s..24h (api docs, /v1/session/create "TTL").
    const sessionTtlUs = ttlV.durationOr(10_000_000, 1);
    if (sessionTtlUs < 10_000_000) ttlV.fail('expected a TTL of at least 10s (Consul session_ttl_min)');
    return {
      clients,
      // One lock, held 2 s, tried once a second: scenario choices that make clients contend.
      locks: v.get('locks').intOr(1, 1, 1000),
      holdUs: v.get('hold').durationOr(2_000_000, 1),
      sessionTtlUs,
      ...(v.get('lockDelay').present ? { lockDelayUs: v.get('lockDelay').duration() } : {}),
      ratePerSec: v.get('rate').present ? v.get('rate').rate() : 1,
      careless: v.get('careless').boolOr(false),
    };
  },
  expectations: {
    'lock-exclusive': { parse: noParams, name: () => 'lock exclusivity (the servers grant one holder at a time, fencing tokens increase, lock-delay kept; no client believes it holds a lock held for another session)' },
  },
  instantiate(cfg, run): ModuleInstance {
    const { world, scenario } = run;
    const raft = scenario.modules.get('raft') as { voters: NodeId[] };
    const clients = new Set(cfg.clients);
    const lockKeys = Array.from({ length: cfg.locks }, (_, i) => `locks/L${i}`);
    const checker = new LockExclusivityChecker();
    const serverSide = new LockHistory(lockKeys, checker, () => world.now());
    const api = new ApiCalls(world, LOCKS_PROCESS_BASE, REQUEST_TIMEOUT_US);
    const beliefs: Belief[] = [];
    let attempts = 0;
    const lastHolder = new Map<string, NodeId>();

    const client = (node: NodeId) => {
      const r = world.rng(`locks/${node}`);
      let session: string | undefined;
      let lastRenewSentUs = -Infinity;
      let held: Belief | undefined;
      let registered = false;
      const endBelief = (t: number) => {
        if (!held) return;
        held.toUs = cfg.careless ? t : Math.min(t, lastRenewSentUs + cfg.sessionTtlUs);
        held = undefined;
      };
      const gap = () => Math.max(1, Math.round((-Math.log(1 - r.next()) / cfg.ratePerSec) * 1_000_000));
      const call = (thread: string, c: ApiCall, done: (a: ApiAnswer | undefined) => void) => api.send(node, thread, c, done);

      /**
       * Sessions with a release whose outcome is not known to be applied (in flight, failed or
       * timed out, or its reply lost with a restart). Such a release may still apply later and
       * would free whatever the session holds by then — a lock this client re-acquired with it.
       */
      const unsettled = new Map<string, { sentUs: number; answered: boolean }>();
      /**
       * Consul's api/lock.go holds each lock with a session of its own and destroys it on
       * Unlock; likewise a careful client never acquires again with a session that has an
       * unsettled release: it destroys that session and creates a new one. A late release of
       * the old session then cannot touch a lock held by the new one (release needs the holder's
       * session); if it frees the old hold, no one believes in that hold any more.
       */
      const retireIfUnsettled = () => {
        if (!session || !unsettled.has(session)) return;
        const old = session;
        session = undefined;
        unsettled.delete(old);
        run.note({ t: world.now(), node, category: 'lock', text: `${node} retires session ${old}: a release's outcome is unknown` });
        call('retire', { f: 'session-destroy', key: old, method: 'PUT', path: `session/destroy/${old}` }, () => {});
      };

      const ensureSession = (then: () => void) => {
        retireIfUnsettled();
        if (session) return then();
        const step = () => {
          if (world.now() >= run.endUs) return;
          if (!registered) {
            // The client registers itself as a catalog node with a passing serfHealth (the
            // check a Consul session binds to by default), then binds its session to itself.
            const body = JSON.stringify({ Node: node, Address: node, Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing' } });
            call('lock', { f: 'register', key: node, method: 'PUT', path: 'catalog/register', body }, (a) => {
              const ok = a?.status === 200;
              if (ok) registered = true;
              world.after(ok ? 0 : SETUP_RETRY_US, step);
            });
            return;
          }
          const sent = world.now();
          const body = JSON.stringify({ Node: node, TTL: `${cfg.sessionTtlUs}us`, ...(cfg.lockDelayUs !== undefined ? { LockDelay: `${cfg.lockDelayUs}us` } : {}) });
          call('lock', { f: 'session-create', key: node, method: 'PUT', path: 'session/create', body }, (a) => {
            const id = a?.status === 200 ? (a.json as { ID?: unknown } | undefined)?.ID : undefined;
            if (typeof id === 'string' && id !== '') {
              session = id;
              lastRenewSentUs = sent;
              then();
            } else world.after(SETUP_RETRY_US, step);
          });
        };
        step();
      };

      const renew = () => {
        if (world.now() >= run.endUs) return;
        world.after(Math.floor(cfg.sessionTtlUs / 2), renew);
        if (!session) return;
        const id = session;
        const sent = world.now();
        call('renew', { f: 'session-renew', key: id, method: 'PUT', path: `session/renew/${id}` }, (a) => {
          if (a?.status === 200) {
            if (session === id) lastRenewSentUs = Math.max(lastRenewSentUs, sent);
          } else if (a?.status === 404 && session === id) {
            // The server invalidated it: whatever we held is gone.
            if (!cfg.careless) endBelief(world.now());
            session = undefined;
          }
        });
      };

      const tryAcquire = () => {
        if (world.now() >= run.endUs) return;
        // A careful client gives the lock up in its mind once its session may have expired.
        if (held && !cfg.careless && world.now() >= lastRenewSentUs + cfg.sessionTtlUs) endBelief(world.now());
        if (held || !world.isUp(node)) return void world.after(gap(), tryAcquire);
        // Unlock returns before Lock is called again (api/lock.go): wait for the release's
        // answer, up to the request's own bound (its reply is lost if the node restarted).
        const pending = session ? unsettled.get(session) : undefined;
        if (pending && !pending.answered && world.now() - pending.sentUs < RELEASE_ANSWER_WAIT_US) return void world.after(gap(), tryAcquire);
        ensureSession(() => {
          const id = session!;
          const lock = lockKeys[r.int(cfg.locks)]!;
          attempts++;
          call('lock', { f: 'acquire', key: lock, method: 'PUT', path: `kv/${lock}`, query: `acquire=${encodeURIComponent(id)}`, body: node }, (a) => {
            // A careful client does not believe in an acquisition its session may no longer back:
            // a reply that arrives (say, after a pause) TTL past the last renewal sent may describe
            // a lock the server has since handed on. It acquires again (same session) once renewed.
            const backed = cfg.careless || world.now() < lastRenewSentUs + cfg.sessionTtlUs;
            if (a?.status === 200 && a.json === true && session === id && !held && backed) {
              held = { key: lock, client: node, session: id, fromUs: world.now(), toUs: run.endUs };
              beliefs.push(held);
              if (lastHolder.get(lock) !== node) {
                lastHolder.set(lock, node);
                run.note({ t: world.now(), node, category: 'lock', text: `${node} acquires ${lock} (session ${id})` });
              }
              const mine = held;
              world.after(cfg.holdUs, () => {
                if (held !== mine) return;
                endBelief(world.now());
                const pending = { sentUs: world.now(), answered: false };
                unsettled.set(id, pending);
                call('lock', { f: 'release', key: lock, method: 'PUT', path: `kv/${lock}`, query: `release=${encodeURIComponent(id)}`, body: node }, (a) => {
                  pending.answered = true;
                  // Applied (released or not): settled. Anything else retires the session at the next acquire.
                  if (a?.status === 200 && unsettled.get(id) === pending) unsettled.delete(id);
                });
                world.after(gap(), tryAcquire);
              });
            } else world.after(gap(), tryAcquire);
          });
        });
      };
      world.after(gap(), tryAcquire);
      world.after(Math.floor(cfg.sessionTtlUs / 2), renew);
    };

    return {
      setupNode(ctx, app) {
        const part = app.parts.raft as RaftPart | undefined;
        if (part && raft.voters.includes(ctx.id)) {
          apiServerOf(app, () => ctx.env(API_SERVICE), part.core);
          serverSide.watch(part.core.store);
        } else if (clients.has(ctx.id)) {
          // Client i calls servers[i mod n] first (its local agent), the next one after a timeout.
          const i = cfg.clients.indexOf(ctx.id);
          const servers = raft.voters.map((_, j) => raft.voters[(i + j) % raft.voters.length]!);
          apiClientOf(app, () => ctx.env(API_SERVICE), { servers, timeoutUs: REQUEST_TIMEOUT_US, readFlag: '' });
        }
      },
      attach() {
        for (const c of cfg.clients) client(c);
      },
      end() {
        api.finish();
      },
      history() {
        return api.history.events();
      },
      onTrace(ev) {
        if (ev.kind === 'session.ttl-expired' && ev.svc === 'coord') {
          run.note({ t: ev.t, category: 'lock', text: `session ${ev.id} expired (TTL x 2 without renewal): its locks are released` });
        }
      },

      evaluate(exp) {
        // Beliefs still open at the end end there (bounded by the session rule when careful).
        for (const b of beliefs) checker.record({ kind: 'believed', key: b.key, client: b.client, session: b.session, fromUs: b.fromUs, toUs: b.toUs });
        const v = checker.check();
        if (v.stats.acquisitions === 0 || beliefs.length === 0) return vacuous(exp, `no lock was ever acquired (${attempts} attempts): nothing to check`);
        return verdict(
          exp,
          v.ok,
          v.ok
            ? `${v.stats.acquisitions} grants of ${lockKeys.length} lock(s) (fencing tokens up to ${v.stats.maxToken}), ${v.stats.beliefs} holds by ${cfg.clients.length} clients (${attempts} attempts): one holder at a time, no belief overlapping another session's hold`
            : `${v.first!.text}${v.violations.length > 1 ? ` (+${v.violations.length - 1} more)` : ''}`,
          v.first?.t,
        );
      },
    };
  },
};
