/**
 * Properties of the services under simulated faults (partitions, isolation, crashes, pauses,
 * loss bursts) on a 3-server Raft cluster:
 *  - lease expiry deletes exactly the attached keys, and never before the TTL;
 *  - ephemerals vanish with their session;
 *  - watch ordering: a client never reads a change to a watched node before the event;
 *  - a blocking read never returns an index older than asked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ms, sec, type Micros, type NodeId } from '../../src/core/env.ts';
import type { RpcOp, RpcResult } from '../../src/core/coord/index.ts';
import type { ZkClient } from '../../src/core/coord/tree/index.ts';
import type { StoreResult } from '../../src/core/store/index.ts';
import { CoordCluster, type ClientApp, type ServerApp } from './cluster.ts';

const FAULTS = { partition: 3, isolate: 2, crash: 2, pause: 2, loss: 1 } as const;

describe('lease properties under faults', () => {
  it('expiry deletes exactly the attached keys, never before TTL after the last acknowledged keep-alive', () => {
    let stats = { runs: 0, leases: 0, expiries: 0, keepalives: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const c = new CoordCluster({ seed, clients: ['c1'] }).start();
        const w = c.world;
        const rng = w.rng('workload');
        // Faults only on servers: the client's own view (ack times) must stay meaningful.
        w.schedule(
          Array.from({ length: 6 }, (_, i) => {
            const node = rng.pick(c.servers);
            const kind = rng.pick(['crash', 'pause', 'isolate'] as const);
            const at = sec(3) + i * sec(6) + rng.int(sec(3));
            const dur = sec(1) + rng.int(sec(8));
            return kind === 'isolate' ? { at, fault: { kind, target: node, for: dur } } : { at, fault: { kind, node, for: dur } };
          }),
        );
        const call = (op: RpcOp, done: (r: RpcResult) => void) => {
          const app = w.app<ClientApp>('c1');
          if (app) app.rpc.call(op, done);
        };
        const leases = new Map<string, { ttlUs: Micros; lowerBoundUs: Micros; keys: Set<string> }>();
        const plainKeys = new Set<string>();
        const nLeases = 3 + rng.int(4);
        for (let i = 0; i < nLeases; i++) {
          const ttlUs = sec(2 + rng.int(5));
          const sendAt = sec(1) + rng.int(sec(20));
          const keepUntil = sendAt + rng.int(sec(30));
          w.at(sendAt, () =>
            call({ kind: 'propose', cmd: { type: 'lease.grant', ttlUs, name: `l${i}` } }, (r) => {
              const v = r.ok ? (r.value as StoreResult) : undefined;
              if (!v || !v.ok || v.type !== 'lease.grant') return;
              const rec = { ttlUs, lowerBoundUs: sendAt + ttlUs, keys: new Set<string>() };
              leases.set(v.lease.id, rec);
              for (let k = 0; k < 1 + rng.int(3); k++) {
                const key = `svc/l${i}/k${k}`;
                call({ kind: 'propose', cmd: { type: 'lease.put', key, value: 'x', lease: v.lease.id } }, (p) => {
                  if (p.ok && (p.value as StoreResult).ok) rec.keys.add(key);
                });
              }
              const keep = () => {
                if (w.now() > keepUntil) return;
                const sent = w.now();
                call({ kind: 'lease.keepalive', id: v.lease.id }, (k) => {
                  if (k.ok) {
                    stats.keepalives++;
                    rec.lowerBoundUs = Math.max(rec.lowerBoundUs, sent + ttlUs);
                  }
                });
                w.after(Math.floor(ttlUs / 3), keep);
              };
              w.after(Math.floor(ttlUs / 3), keep);
            }),
          );
        }
        for (let i = 0; i < 5; i++) {
          const key = `plain/${i}`;
          w.at(sec(1) + rng.int(sec(20)), () =>
            call({ kind: 'propose', cmd: { type: 'kv', cmd: { type: 'put', key, value: 'p' } } }, (r) => r.ok && plainKeys.add(key)),
          );
        }
        const expireAt = new Map<string, Micros>();
        // When the expiry took effect: the leader's apply of the committed lease.expire. Not the
        // `lease.expire` decision trace: a deposed leader resuming from a pause traces decisions
        // on stale timers that never commit (seed 1268399838).
        w.on((ev) => {
          if (ev.kind === 'coord.lease.removed' && typeof ev.id === 'string' && !expireAt.has(ev.id)) expireAt.set(ev.id, ev.t);
        });
        w.run(sec(90));
        const leader = c.waitLeader(sec(20));
        w.runFor(sec(2));
        const store = leader.store;
        store.checkInvariants();
        stats = { runs: stats.runs + 1, leases: stats.leases + leases.size, expiries: stats.expiries + expireAt.size, keepalives: stats.keepalives };
        for (const [id, rec] of leases) {
          // Every lease has expired by now (keep-alives stopped by t = 51 s at the latest).
          expect(store.leases.has(id), `lease ${id} still alive (seed ${seed})`).toBe(false);
          const t = expireAt.get(id);
          expect(t, `lease ${id} gone without an expiry (seed ${seed})`).toBeDefined();
          expect(t!, `lease ${id} expired early (seed ${seed})`).toBeGreaterThanOrEqual(rec.lowerBoundUs);
          for (const k of rec.keys) expect(store.kv.get(k), `${k} survived its lease`).toBeUndefined();
        }
        for (const k of plainKeys) expect(store.kv.get(k)?.value, `${k} was deleted`).toBe('p');
        expect(store.kv.range('svc/')).toEqual([]);
      }),
      { numRuns: 20, seed: 424242 },
    );
    console.log('lease property', stats);
  });
});

describe('tree properties under faults', () => {
  it('ephemerals vanish with their session; watch events come before the data; blocking reads never go back', () => {
    let stats = { runs: 0, reads: 0, events: 0, expired: 0, blocking: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const clients = ['c1', 'c2', 'c3'];
        const c = new CoordCluster({ seed, clients, network: { loss: 0.01 } }).start();
        const w = c.world;
        const rng = w.rng('workload');
        w.nemesis({ ratePerMin: 8, kinds: FAULTS, durationMin: sec(1), durationMax: sec(12), until: sec(50) });
        c.waitLeader(sec(30));
        const violations: string[] = [];
        const servers = c.servers;
        const zk = new Map<NodeId, ZkClient>();
        const ensure = (id: NodeId): ZkClient | undefined => {
          const app = w.app<ClientApp>(id);
          if (!app) return undefined;
          let z = zk.get(id);
          if (!z || z.state() === 'expired' || (z as unknown as { env: unknown }).env !== (app.zk as unknown as { env: unknown }).env) {
            z = app.zk.client(servers, { sessionTimeoutUs: sec(4) });
            zk.set(id, z);
          }
          return z;
        };
        // Writers: c1 and c2 create ephemerals and update /w/k*.
        const created: { path: string; czxid: number }[] = [];
        let ready = false;
        const prepare = () => {
          const z = ensure('c1');
          if (!z || z.state() !== 'connected') return void w.after(ms(200), prepare);
          z.create('/w', '', 'persistent', () => z.create('/eph', '', 'persistent', (err) => (err === null || err === 'NodeExists' ? (ready = true) : w.after(ms(200), prepare))));
        };
        prepare();
        w.runUntil(() => ready, w.now() + sec(40));
        expect(ready, `seed ${seed}: setup never finished`).toBe(true);
        for (const id of ['c1', 'c2']) {
          const tick = () => {
            if (w.now() > sec(60)) return;
            const z = ensure(id);
            if (z && z.state() === 'connected') {
              const k = `/w/k${rng.int(3)}`;
              z.setData(k, String(w.now()), -1, (err) => err === 'NoNode' && z.create(k, '0', 'persistent', () => {}));
              if (rng.chance(0.2)) z.create(`/eph/${id}-`, '', 'ephemeral_sequential', (err, path, stat) => !err && created.push({ path: path!, czxid: stat!.czxid }));
            }
            w.after(ms(100) + rng.int(ms(400)), tick);
          };
          w.after(ms(rng.int(300)), tick);
        }
        // Watcher: c3 watches /w/k0 and polls it; a read that reflects a newer mzxid than the
        // watch was set at must come after the event.
        let armedAt: number | undefined; // mzxid when the watch was set; undefined = no watch pending
        let watcherOf: ZkClient | undefined;
        const arm = () => {
          const z = ensure('c3');
          if (!z || z.state() !== 'connected') return;
          watcherOf = z;
          z.getData('/w/k0', (ev) => {
            stats.events++;
            if (watcherOf === z) armedAt = undefined;
            void ev;
          }, (err, _d, stat) => {
            if (!err && stat && watcherOf === z) armedAt = stat.mzxid;
          });
        };
        const poll = () => {
          if (w.now() > sec(70)) return;
          const z = ensure('c3');
          if (z && z.state() === 'connected') {
            if (watcherOf !== z) armedAt = undefined;
            if (armedAt === undefined) arm();
            else {
              const at = armedAt;
              z.getData('/w/k0', undefined, (err, _d, stat) => {
                if (err || !stat || watcherOf !== z) return;
                stats.reads++;
                if (armedAt === at && stat.mzxid > at) violations.push(`t=${w.now()}: read mzxid ${stat.mzxid} > watch ${at} before the event`);
              });
            }
          }
          w.after(ms(150), poll);
        };
        w.after(ms(500), poll);
        // Blocking reads against each server's hub, chained per incarnation.
        for (const sid of servers) {
          let app: ServerApp | undefined;
          let last = 0;
          const loop = () => {
            if (w.now() > sec(80)) return;
            const cur = w.app<ServerApp>(sid);
            if (!cur) {
              w.after(ms(500), loop);
              return;
            }
            if (cur !== app) {
              app = cur;
              last = 0;
            }
            const asked = last;
            const ok = cur.coord.hub.wait('tree', asked, sec(2), (idx, timedOut) => {
              stats.blocking++;
              if (idx < asked) violations.push(`${sid}: blocking read returned ${idx} < asked ${asked}`);
              if (!timedOut && asked > 0 && idx <= asked) violations.push(`${sid}: woke at ${idx} without passing ${asked}`);
              if (app === cur) last = idx;
              w.after(ms(50), loop);
            });
            if (!ok) w.after(ms(500), loop);
          };
          loop();
        }
        w.run(sec(100));
        // Settle: every fault is over (nemesis stopped at 50 s); sessions of dead clients expired.
        const leader = c.waitLeader(sec(30));
        const live = new Set([...zk.values()].filter((z) => z.state() === 'connected').map((z) => z.sessionId()!));
        const sync = [...zk.values()].find((z) => z.state() === 'connected');
        if (sync) {
          let done = false;
          sync.sync('/', () => (done = true));
          w.runUntil(() => done, w.now() + sec(10));
        }
        w.runFor(sec(10));
        leader.store.checkInvariants();
        const tree = leader.store.tree;
        for (const s of tree.listSessions()) if (!live.has(s.id)) stats.expired += 0;
        for (const name of tree.getChildren('/eph') ?? []) {
          const st = tree.exists(`/eph/${name}`)!;
          if (!tree.hasSession(st.ephemeralOwner)) violations.push(`ephemeral /eph/${name} outlived session ${st.ephemeralOwner}`);
        }
        // Sessions not held by a connected client are gone (their ephemerals with them).
        for (const s of tree.listSessions()) if (!live.has(s.id)) violations.push(`session ${s.id} of a dead client still alive`);
        stats.expired += [...zk.values()].filter((z) => z.state() === 'expired').length;
        // Sequential names strictly increase with creation order (zxid), across clients and faults.
        const bySeq = [...created].sort((x, y) => x.czxid - y.czxid).map((x) => Number(x.path.slice(-10)));
        for (let i = 1; i < bySeq.length; i++) if (!(bySeq[i]! > bySeq[i - 1]!)) violations.push(`sequential suffix ${bySeq[i]} after ${bySeq[i - 1]}`);
        stats.runs++;
        expect(created.length, `seed ${seed}: no sequential creates`).toBeGreaterThan(0);
        expect(tree.getChildren('/w')!.length, `seed ${seed}: no writes landed`).toBeGreaterThan(0);
        if (violations.length > 0) throw new Error(`seed ${seed}: ${violations.slice(0, 5).join('; ')}`);
      }),
      { numRuns: 12, seed: 777 },
    );
    console.log('tree property', stats);
  });
});
