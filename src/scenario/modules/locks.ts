/**
 * `locks:` — Consul-style session locks (src/core/coord): each client node registers itself
 * in the catalog, creates a session with a TTL, renews it every TTL/2, and repeatedly
 * acquires one of the locks, holds it, and releases it.
 *
 * lock-exclusive judges what the clients BELIEVE, as a careful client must act: a client
 * holds a lock from its acquire's success until it sends the release, or until TTL after
 * it sent its last successful session renewal (past that, the server may have invalidated
 * the session and handed the lock on). No two clients' beliefs may overlap on one lock, and
 * fencing tokens (LockIndex) must increase with each acquisition.
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
import type { StoreResult } from '../../core/store/index.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { humanDuration } from '../units.ts';
import { verdict, vacuous } from '../verdict.ts';
import { callFrom, raftNodesOf, setupCoordClient } from './coord-client.ts';
import { noParams } from './params.ts';
import { lockDelayViolations, type SessionExpiry } from './lock-delay.ts';
import type { RaftPart } from './raft.ts';
import { SESSION_LOCK_DELAY_DEFAULT_US } from '../../core/coord/config.ts';

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

interface Holding {
  readonly lock: string;
  readonly client: NodeId;
  readonly session: string;
  readonly token: number;
  readonly fromUs: number;
  toUs: number;
}

/** Retry pause after a failed setup step (catalog, session). */
const SETUP_RETRY_US = 500_000;
/**
 * How long a client waits for its release's answer before acquiring again: past the RPC
 * client's own give-up time (4 attempts x 1 s, ./coord-client.ts), the answer is not coming.
 */
const RELEASE_ANSWER_WAIT_US = 5_000_000;

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
    'lock-exclusive': { parse: noParams, name: () => 'lock exclusivity (no two clients believe they hold a lock at once; fencing tokens increase)' },
    'lock-delay': { parse: noParams, name: () => 'lock-delay (no other client acquires a lock within LockDelay of its holder\'s session expiring)' },
  },
  instantiate(cfg, run): ModuleInstance {
    const { world, scenario } = run;
    const raft = scenario.modules.get('raft') as { voters: NodeId[] };
    const clients = new Set(cfg.clients);
    const holdings: Holding[] = [];
    let acquires = 0;
    const lastHolder = new Map<string, NodeId>();
    /** TTL expiries the leaders traced, with the locks the session held there (./lock-delay.ts). */
    const expiries: SessionExpiry[] = [];
    let attempts = 0;

    const client = (node: NodeId) => {
      const r = world.rng(`locks/${node}`);
      let session: string | undefined;
      let lastRenewSentUs = -Infinity;
      let held: Holding | undefined;
      let registered = false;
      const endBelief = (t: number) => {
        if (!held) return;
        held.toUs = cfg.careless ? t : Math.min(t, lastRenewSentUs + cfg.sessionTtlUs);
        held = undefined;
      };
      const gap = () => Math.max(1, Math.round((-Math.log(1 - r.next()) / cfg.ratePerSec) * 1_000_000));

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
        callFrom(world, node, { kind: 'propose', cmd: { type: 'session.destroy', id: old } }, () => {});
      };

      const ensureSession = (then: () => void) => {
        retireIfUnsettled();
        if (session) return then();
        const step = () => {
          if (world.now() >= run.endUs) return;
          if (!registered) {
            callFrom(world, node, { kind: 'propose', cmd: { type: 'catalog.register', node, checks: [{ checkId: 'serfHealth', status: 'passing' }] } as never }, (res) => {
              if (res?.ok) registered = true;
              world.after(res?.ok ? 0 : SETUP_RETRY_US, step);
            });
            return;
          }
          const sent = world.now();
          callFrom(
            world,
            node,
            { kind: 'propose', cmd: { type: 'session.create', input: { node, ttlUs: cfg.sessionTtlUs, ...(cfg.lockDelayUs !== undefined ? { lockDelayUs: cfg.lockDelayUs } : {}) } } },
            (res) => {
              const v = res?.ok ? (res.value as StoreResult) : undefined;
              if (v && v.type === 'session.create' && v.ok) {
                session = v.session.id;
                lastRenewSentUs = sent;
                then();
              } else world.after(SETUP_RETRY_US, step);
            },
          );
        };
        step();
      };

      const renew = () => {
        if (world.now() >= run.endUs) return;
        world.after(Math.floor(cfg.sessionTtlUs / 2), renew);
        if (!session) return;
        const id = session;
        const sent = world.now();
        callFrom(world, node, { kind: 'session.renew', id }, (res) => {
          if (res?.ok) {
            if (session === id) lastRenewSentUs = Math.max(lastRenewSentUs, sent);
          } else if (res && !res.ok && res.error === 'not-found' && session === id) {
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
        // answer, up to the RPC client's own bound (its reply is lost if the node restarted).
        const pending = session ? unsettled.get(session) : undefined;
        if (pending && !pending.answered && world.now() - pending.sentUs < RELEASE_ANSWER_WAIT_US) return void world.after(gap(), tryAcquire);
        ensureSession(() => {
          const id = session!;
          const lock = `locks/L${r.int(cfg.locks)}`;
          attempts++;
          callFrom(world, node, { kind: 'propose', cmd: { type: 'kv.acquire', key: lock, value: node, session: id } }, (res) => {
            const v = res?.ok ? (res.value as StoreResult) : undefined;
            // A careful client does not believe in an acquisition its session may no longer back:
            // a reply that arrives (say, after a pause) TTL past the last renewal sent may describe
            // a lock the server has since handed on. It acquires again (same session) once renewed.
            const backed = cfg.careless || world.now() < lastRenewSentUs + cfg.sessionTtlUs;
            if (v && v.type === 'kv.acquire' && v.ok && v.acquired && session === id && !held && backed) {
              acquires++;
              held = { lock, client: node, session: id, token: v.entry?.lockIndex ?? -1, fromUs: world.now(), toUs: run.endUs };
              holdings.push(held);
              const prev = lastHolder.get(lock);
              if (prev !== node) {
                lastHolder.set(lock, node);
                run.note({ t: world.now(), node, category: 'lock', text: `${node} acquires ${lock} (fencing token ${held.token})` });
              }
              const mine = held;
              world.after(cfg.holdUs, () => {
                if (held !== mine) return;
                endBelief(world.now());
                const pending = { sentUs: world.now(), answered: false };
                unsettled.set(id, pending);
                callFrom(world, node, { kind: 'propose', cmd: { type: 'kv.release', key: lock, session: id } }, (res) => {
                  pending.answered = true;
                  const v = res?.ok ? (res.value as StoreResult) : undefined;
                  // Applied (released or not): settled. Anything else retires the session at the next acquire.
                  if (v && v.type === 'kv.release' && v.ok && unsettled.get(id) === pending) unsettled.delete(id);
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
        if (clients.has(ctx.id)) setupCoordClient(ctx, app, raft.voters);
      },
      attach() {
        for (const c of cfg.clients) client(c);
      },
      onTrace(ev) {
        if (ev.kind === 'session.ttl-expired' && ev.svc === 'coord') {
          const id = String(ev['id']);
          const kv = ev.node === undefined ? undefined : world.app<{ raft?: RaftPart }>(ev.node)?.raft?.core.store.kv;
          const locks = Array.from({ length: cfg.locks }, (_, i) => `locks/L${i}`).filter((k) => kv?.get(k)?.session === id);
          if (locks.length > 0 && expiries.length < 10_000) expiries.push({ session: id, t: ev.t, locks });
          run.note({ t: ev.t, category: 'lock', text: `session ${ev.id} expired (TTL x 2 without renewal): its locks are released` });
        }
      },

      evaluate(exp) {
        if (exp.kind === 'lock-delay') {
          if (acquires === 0) return vacuous(exp, `no lock was ever acquired (${attempts} attempts): nothing to check`);
          const delayUs = cfg.lockDelayUs ?? SESSION_LOCK_DELAY_DEFAULT_US;
          const bad = lockDelayViolations(holdings, expiries, delayUs);
          return verdict(exp, bad.length === 0, bad.length === 0 ? `${expiries.length} expiries of a session holding a lock; no acquisition inside a lock-delay of ${humanDuration(delayUs)}` : `${bad[0]!.text}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ''}`, bad[0]?.t);
        }
        // Beliefs still open at the end end there (bounded by the session rule).
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
        if (acquires === 0) return vacuous(exp, `no lock was ever acquired (${attempts} attempts): nothing to check`);
        return verdict(
          exp,
          problems.length === 0,
          problems.length === 0 ? `${acquires} acquisitions of ${byLock.size} lock(s) by ${cfg.clients.length} clients (${attempts} attempts), none overlapping` : `${problems[0]!.text}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`,
          problems[0]?.t,
        );
      },
    };
  },
};
