/**
 * A lock workload for the simulator: Consul-style lock clients that protect a fenced
 * resource with the LockIndex token, and the resource that fences them. Every observation
 * goes to a LockExclusivityChecker.
 *
 * The clients are deliberately naive: a client keeps believing it holds the lock until it
 * learns otherwise (its release, or a renew answered "session not found"), so a partitioned
 * or paused holder goes on acting after its session died — and only fencing saves the day.
 * Such a client is not a careful holder, so its beliefs are not given to the checker (they
 * would overlap, which lock-exclusive forbids): the checker judges the resource's fencing and,
 * through a LockHistory on the servers' stores, the servers' grants.
 */
import { ms, sec, type Env, type Micros, type NodeId } from '../../src/core/env.ts';
import { CoordRpcClient, type RpcResult } from '../../src/core/coord/index.ts';
import type { StoreResult } from '../../src/core/store/index.ts';
import type { LockExclusivityChecker } from '../../src/sim/checkers/lock-exclusivity.ts';
import type { World } from '../../src/sim/index.ts';
import type { ZkClient, ZkClientHost } from '../../src/core/coord/tree/index.ts';
import { TreeLock } from '../../src/core/coord/tree/recipes/index.ts';

type ActMsg = { readonly type: 'act'; readonly key: string; readonly token: number; readonly client: string };

/** The protected resource: accepts an action only if its token is >= every token it accepted. */
export class FencedResource {
  private readonly maxToken = new Map<string, number>();
  constructor(env: Env, world: World, checker: LockExclusivityChecker) {
    env.onMessage((_from, msg) => {
      const m = msg as ActMsg;
      if (m.type !== 'act') return;
      const max = this.maxToken.get(m.key) ?? 0;
      const accepted = m.token >= max;
      if (accepted) this.maxToken.set(m.key, m.token);
      checker.record({ kind: 'act', t: world.now(), client: m.client, key: m.key, token: m.token, accepted });
    });
  }
}

export interface LockWorkerOptions {
  readonly key: string;
  readonly resource: NodeId;
  readonly ttlUs: Micros;
  readonly lockDelayUs: Micros;
  readonly servers: readonly NodeId[];
  /** Actions per holding: uniform in [min, max] (default [1, 4]), 200–800 ms apart. */
  readonly actions?: readonly [number, number];
}

/** Bound on session re-creations per incarnation (a run is finite anyway). */
const MAX_SESSIONS = 1_000;

export class LockWorker {
  private session: string | undefined;
  private token: number | undefined;
  private sessions = 0;
  private readonly rpc: CoordRpcClient;
  private readonly name: string;

  constructor(
    rpcEnv: Env,
    private readonly resEnv: Env,
    private readonly world: World,
    private readonly checker: LockExclusivityChecker,
    private readonly opts: LockWorkerOptions,
    incarnation: number,
  ) {
    this.rpc = new CoordRpcClient(rpcEnv, opts.servers);
    // One logical client per incarnation: a restarted node is a new client.
    this.name = `${rpcEnv.self}#${incarnation}`;
  }

  private get env(): Env {
    return this.resEnv;
  }

  start(): void {
    this.register();
  }

  private propose(cmd: Parameters<CoordRpcClient['call']>[0] & { kind: 'propose' }, done: (r: StoreResult | undefined, raw: RpcResult) => void): void {
    this.rpc.call(cmd, (r) => done(r.ok ? (r.value as StoreResult) : undefined, r));
  }

  private register(): void {
    this.propose(
      { kind: 'propose', cmd: { type: 'catalog.register', node: this.env.self, checks: [{ checkId: 'serfHealth', status: 'passing' }] } },
      (r) => (r?.ok ? this.createSession() : this.env.after(sec(1), () => this.register())),
    );
  }

  private createSession(): void {
    if (++this.sessions > MAX_SESSIONS) return;
    this.propose(
      { kind: 'propose', cmd: { type: 'session.create', input: { node: this.env.self, ttlUs: this.opts.ttlUs, lockDelayUs: this.opts.lockDelayUs } } },
      (r) => {
        if (r?.ok && r.type === 'session.create') {
          this.session = r.session.id;
          this.renewLoop(r.session.id);
          this.tryAcquire();
        } else this.env.after(sec(1), () => this.createSession());
      },
    );
  }

  private renewLoop(id: string): void {
    this.env.after(Math.floor(this.opts.ttlUs / 2), () => {
      if (this.session !== id) return;
      this.rpc.call({ kind: 'session.renew', id }, (r) => {
        if (this.session !== id) return;
        if (!r.ok && r.error === 'not-found') return this.lost();
        this.renewLoop(id);
      });
    });
  }

  private lost(): void {
    this.token = undefined;
    this.session = undefined;
    this.createSession();
  }

  private tryAcquire(): void {
    const s = this.session;
    if (s === undefined) return;
    this.propose({ kind: 'propose', cmd: { type: 'kv.acquire', key: this.opts.key, value: this.name, session: s } }, (r) => {
      if (this.session !== s) return;
      if (r && !r.ok && r.error === 'invalid session') return this.lost();
      if (r?.ok && r.type === 'kv.acquire' && r.acquired && r.entry) {
        this.token = r.entry.lockIndex;
        const [lo, hi] = this.opts.actions ?? [1, 4];
        this.act(s, this.token, this.env.random.between(lo, hi));
        return;
      }
      this.env.after(this.env.random.between(ms(300), ms(1000)), () => this.tryAcquire());
    });
  }

  private act(s: string, token: number, left: number): void {
    if (this.session !== s || this.token !== token) return;
    if (left === 0) return this.release(s, token);
    const msg: ActMsg = { type: 'act', key: this.opts.key, token, client: this.name };
    this.env.send(this.opts.resource, msg, { reliable: true });
    this.env.after(this.env.random.between(ms(200), ms(800)), () => this.act(s, token, left - 1));
  }

  private release(s: string, token: number): void {
    this.token = undefined;
    this.propose({ kind: 'propose', cmd: { type: 'kv.release', key: this.opts.key, session: s } }, () => {
      this.env.after(this.env.random.between(ms(100), ms(500)), () => this.tryAcquire());
    });
  }
}

/**
 * The same workload with the ZooKeeper-style lock recipe: the fencing token is the lock
 * node's czxid. The client believes it holds the lock until it releases it or its session
 * is reported expired.
 */
export class ZkLockWorker {
  private client: ZkClient | undefined;
  private token: number | undefined;
  private readonly name: string;
  private restarts = 0;

  constructor(
    private readonly host: ZkClientHost,
    private readonly resEnv: Env,
    private readonly world: World,
    private readonly checker: LockExclusivityChecker,
    private readonly opts: LockWorkerOptions & { readonly dir: string },
    incarnation: number,
  ) {
    this.name = `${resEnv.self}#${incarnation}`;
  }

  start(): void {
    this.newSession();
  }

  private newSession(): void {
    if (++this.restarts > MAX_SESSIONS) return;
    const z = this.host.client(this.opts.servers, { sessionTimeoutUs: this.opts.ttlUs });
    this.client = z;
    z.onState((s) => {
      if (s === 'expired' && this.client === z) {
        this.dropBelief();
        this.resEnv.after(ms(500), () => this.newSession());
      }
    });
    const ready = () => {
      if (this.client !== z) return;
      if (z.state() !== 'connected') return void this.resEnv.after(ms(200), ready);
      z.create(this.opts.dir, '', 'persistent', () => this.contend(z));
    };
    ready();
  }

  private dropBelief(): void {
    this.token = undefined;
  }

  private contend(z: ZkClient): void {
    if (this.client !== z) return;
    const lock = new TreeLock(z, this.opts.dir);
    lock.acquire((err, info) => {
      if (this.client !== z) return;
      if (err || !info) {
        if (err !== 'SessionExpired') this.resEnv.after(ms(500), () => this.contend(z));
        return;
      }
      this.token = info.fencingToken;
      const [lo, hi] = this.opts.actions ?? [1, 4];
      this.act(z, lock, info.fencingToken, this.resEnv.random.between(lo, hi));
    });
  }

  private act(z: ZkClient, lock: TreeLock, token: number, left: number): void {
    if (this.client !== z || this.token !== token) return;
    if (left === 0) {
      this.dropBelief();
      lock.release(() => this.resEnv.after(this.resEnv.random.between(ms(100), ms(500)), () => this.contend(z)));
      return;
    }
    const msg: ActMsg = { type: 'act', key: this.opts.key, token, client: this.name };
    this.resEnv.send(this.opts.resource, msg, { reliable: true });
    this.resEnv.after(this.resEnv.random.between(ms(200), ms(800)), () => this.act(z, lock, token, left - 1));
  }
}
