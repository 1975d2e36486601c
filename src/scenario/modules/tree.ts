/**
 * `tree:` — ZooKeeper clients (src/core/coord/tree ZkClient) on client nodes, against the
 * Raft servers' tree servers: each client keeps one session and runs a random mix of creates
 * (persistent, ephemeral, sequential), versioned sets, deletes, reads with data watches,
 * exists on other clients' ephemerals, getChildren and sync. When its session expires (a
 * partition longer than the timeout) it opens a new one.
 *
 * zk-guarantees judges what the clients saw (src/sim/checkers/zk-guarantees.ts): linearizable
 * writes, FIFO client order, no session going back in zxid (across reconnects), watch events
 * before the data, ephemerals present exactly while their session lives.
 *
 *   tree:
 *     clients: [c1, c2, c3]
 *     rate: 5/s              # operations per client
 *     sessionTimeout: 4s
 *     careless: false        # true: servers serve clients ahead of them (broken on purpose)
 */
import type { RaftPart } from './raft.ts';
import type { NodeId } from '../../core/env.ts';
import type { CoordStore } from '../../core/store/index.ts';
import { ZkClientHost, type Stat, type ZkClient, type ZkError } from '../../core/coord/tree/index.ts';
import { ZkGuaranteeChecker } from '../../sim/checkers/zk-guarantees.ts';
import type { ModuleInstance, ScenarioModule } from '../types.ts';
import { vacuous, verdict } from '../verdict.ts';
import { raftNodesOf } from './coord-client.ts';
import { noParams } from './params.ts';

export interface TreeModuleConfig {
  readonly clients: readonly NodeId[];
  readonly ratePerSec: number;
  readonly sessionTimeoutUs: number;
  readonly careless: boolean;
}

/** Keys the clients contend on: few, so versions and watches collide often. */
const KEYS = 4;
/** Outstanding operations per client (ZooKeeper clients pipeline; a few keep FIFO order meaningful). */
const MAX_OUTSTANDING = 3;
/** Pause before a client whose session expired opens a new one. */
const RENEW_PAUSE_US = 200_000;

export const treeModule: ScenarioModule<TreeModuleConfig> = {
  name: 'tree',
  doc: 'ZooKeeper clients on the tree servers: random creates, versioned sets, ephemerals, watches',
  requires: ['raft'],
  parse(v, ctx) {
    v.allowKeys(['clients', 'rate', 'sessionTimeout', 'careless']);
    const raftNodes = raftNodesOf(ctx.modules);
    const clientsV = v.get('clients').required();
    const clients = ctx.topology.nodesOf(clientsV);
    const clash = clients.find((c) => raftNodes.has(c));
    if (clash) clientsV.fail(`client node "${clash}" also runs Raft; clients need nodes of their own`);
    return {
      clients,
      // Scenario choices: busy enough to collide, light enough for 1,000 seeds.
      ratePerSec: v.get('rate').present ? v.get('rate').rate() : 5,
      // ZooKeeper's minimum session timeout with the default tickTime (2 × 2 s).
      sessionTimeoutUs: v.get('sessionTimeout').durationOr(4_000_000, 1),
      careless: v.get('careless').boolOr(false),
    };
  },
  expectations: {
    'zk-guarantees': { parse: noParams, name: () => "ZooKeeper's guarantees (linearizable writes, FIFO order, no going back in zxid, watch before data, ephemerals live with their session)" },
  },
  instantiate(cfg, run): ModuleInstance {
    const { world, scenario } = run;
    const raft = scenario.modules.get('raft') as { voters: NodeId[] };
    const servers = [...raft.voters];
    const clientNodes = new Set(cfg.clients);
    const checker = new ZkGuaranteeChecker();
    let ops = 0;
    let answered = 0;
    let sessions = 0;

    const runClient = (node: NodeId) => {
      const r = world.rng(`tree/${node}`);
      let zk: ZkClient | undefined;
      let host: ZkClientHost | undefined;
      let id = '';
      let seq = 0;
      let outstanding = 0;
      let lastResZxid = 0;
      let ephemeralN = 0;
      const mine: string[] = [];
      const versions = new Map<string, number>();
      const gap = () => Math.max(1, Math.round((-Math.log(1 - r.next()) / cfg.ratePerSec) * 1_000_000));

      const open = () => {
        const h = world.app<{ zkHost?: ZkClientHost }>(node)?.zkHost;
        if (!h) return;
        host = h;
        outstanding = 0;
        mine.length = 0;
        id = `${node}#${sessions++}`;
        const me = id;
        const c = h.client(servers, { sessionTimeoutUs: cfg.sessionTimeoutUs });
        zk = c;
        c.observeZxids((z, what) => {
          if (what === 'res') lastResZxid = z;
          checker.serverZxid(me, z, what, world.now());
        });
        c.onState((s) => {
          if (s !== 'expired' || zk !== c) return;
          checker.watchFired(me);
          zk = undefined;
          world.after(RENEW_PAUSE_US, open);
        });
      };

      /** A create found no parent: create it (any client may; NodeExists is fine). */
      const parentMissing = (c: ZkClient, path: string) => {
        const parent = path.slice(0, path.lastIndexOf('/'));
        op<[string?, Stat?]>((cb) => c.create(parent, '', 'persistent', cb), () => {});
      };

      /** Issues one operation; `done` gets the outcome (and records FIFO completion). */
      const op = <T extends unknown[]>(start: (cb: (err: ZkError | null, ...rest: T) => void) => void, done: (err: ZkError | null, invokeUs: number, ...rest: T) => void) => {
        const me = id;
        const n = seq++;
        const invokeUs = world.now();
        ops++;
        outstanding++;
        checker.issue(me, n);
        start((err, ...rest) => {
          outstanding--;
          if (err === null) answered++;
          checker.complete(me, n, world.now());
          done(err, invokeUs, ...rest);
        });
      };

      const step = () => {
        if (world.now() >= run.endUs) return;
        world.after(gap(), step);
        const h = world.app<{ zkHost?: ZkClientHost }>(node)?.zkHost;
        if (!h) return; // the node is down
        if (h !== host) open(); // restarted: a new incarnation, a new session
        const c = zk;
        if (!c || outstanding >= MAX_OUTSTANDING) return;
        const me = id;
        const key = `/w/k${r.int(KEYS)}`;
        const roll = r.int(100);
        if (roll < 15) {
          op<[string?, Stat?]>((cb) => c.create(key, `${me}:${seq}`, 'persistent', cb), (err, inv, _p, st) => {
            if (err === 'NoNode') parentMissing(c, key);
            if (!err && st) checker.write({ client: me, invokeUs: inv, completeUs: world.now(), zxid: st.czxid, what: `create ${key}` });
          });
        } else if (roll < 35) {
          const v = r.chance(0.7) ? (versions.get(key) ?? -1) : -1;
          op<[Stat?]>((cb) => c.setData(key, `${me}:${seq}`, v, cb), (err, inv, st) => {
            if (!err && st) {
              checker.write({ client: me, invokeUs: inv, completeUs: world.now(), zxid: st.mzxid, what: `setData ${key} v${v}` });
              versions.set(key, st.version);
            }
          });
        } else if (roll < 40) {
          op<[]>((cb) => c.delete(key, -1, cb), () => versions.delete(key));
        } else if (roll < 60) {
          const watch = r.chance(0.5);
          let fired = false;
          const watcher = watch
            ? () => {
                fired = true;
                checker.watchFired(me, key);
              }
            : undefined;
          op<[string?, Stat?]>((cb) => c.getData(key, watcher, cb), (err, _inv, _d, st) => {
            if (err === 'NoNode') checker.read(me, key, lastResZxid, false, undefined, world.now());
            else if (!err && st) {
              checker.read(me, key, lastResZxid, true, st.mzxid, world.now());
              versions.set(key, st.version);
              if (watch && !fired) checker.watchSet(me, key, st.mzxid);
            }
          });
        } else if (roll < 70) {
          const path = `/e/${node}-${ephemeralN++}`;
          op<[string?, Stat?]>((cb) => c.create(path, me, 'ephemeral', cb), (err, inv, _p, st) => {
            if (err === 'NoNode') parentMissing(c, path);
            const owner = c.sessionId();
            if (!err && st && owner) {
              checker.write({ client: me, invokeUs: inv, completeUs: world.now(), zxid: st.czxid, what: `create ephemeral ${path}` });
              checker.ephemeralCreated(path, owner, st.czxid);
              mine.push(path);
            }
          });
        } else if (roll < 74 && mine.length > 0) {
          const path = mine.splice(r.int(mine.length), 1)[0]!;
          checker.forget(path);
          op<[]>((cb) => c.delete(path, -1, cb), () => {});
        } else if (roll < 86) {
          // Someone's ephemeral (any client's, any incarnation): present iff its session lives.
          const other = cfg.clients[r.int(cfg.clients.length)]!;
          const path = `/e/${other}-${r.int(Math.max(1, ephemeralN + 2))}`;
          op<[(Stat | null)?]>((cb) => c.exists(path, undefined, cb), (err, _inv, st) => {
            if (!err) checker.read(me, path, lastResZxid, st !== null && st !== undefined, st?.mzxid, world.now());
          });
        } else if (roll < 92) {
          const mode = r.chance(0.5) ? 'persistent_sequential' : 'ephemeral_sequential';
          op<[string?, Stat?]>((cb) => c.create('/q/i-', me, mode, cb), (err, inv, p, st) => {
            if (err === 'NoNode') parentMissing(c, '/q/i-');
            if (!err && st) checker.write({ client: me, invokeUs: inv, completeUs: world.now(), zxid: st.czxid, what: `create ${p}` });
          });
        } else if (roll < 97) {
          op<[(readonly string[])?, Stat?]>((cb) => c.getChildren('/q', undefined, cb), () => {});
        } else {
          op<[]>((cb) => c.sync('/', cb), () => {});
        }
      };
      world.after(gap(), step);
    };

    return {
      setupNode(ctx, app) {
        if (clientNodes.has(ctx.id)) {
          app.parts.zkHost = new ZkClientHost(ctx.env('zk'));
          return;
        }
        const store = (app.parts.raft as RaftPart | undefined)?.core.store;
        if (!servers.includes(ctx.id) || !store) return;
        store.onApply((e) => {
          for (const fx of e.effects) if (fx.kind === 'zk.session.removed') checker.sessionRemoved(fx.id, e.index);
        });
      },
      attach() {
        for (const n of cfg.clients) runClient(n);
      },
      evaluate(exp) {
        const v = checker.verdict();
        const s = v.stats;
        const seen = `${ops} operations (${answered} answered), ${s.writes} writes, ${s.reads} checked reads, ${s.zxidsSeen} zxids, ${s.watchChecks} watch checks, ${s.ephemeralChecks} ephemeral checks, ${sessions} sessions`;
        if (v.ok && (s.writes === 0 || s.reads === 0)) return vacuous(exp, `no write or no read completed: nothing to check (${seen})`);
        return verdict(exp, v.ok, v.ok ? seen : `${v.violations[0]} (${v.violations.length} violation(s); ${seen})`);
      },
    };
  },
};
