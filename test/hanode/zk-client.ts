/**
 * node-zookeeper-client (npm, unmodified) behind promises, for the tests. The package ships no
 * typings; the interface below is the part the tests use. Errors come back as their ZooKeeper
 * names (NODE_EXISTS, BAD_VERSION, ...), so a transcript compares across servers.
 */
import { createRequire } from 'node:module';

interface RawStat {
  version: number;
  cversion: number;
  dataLength: number;
  numChildren: number;
  ephemeralOwner: Buffer;
}
interface RawException {
  getName(): string;
}
export interface RawEvent {
  getName(): string;
  getPath(): string;
}
type Cb<T> = (err: RawException | null, v: T, w?: unknown) => void;
interface RawTxn {
  create(path: string, data?: Buffer, mode?: number): RawTxn;
  setData(path: string, data: Buffer, version?: number): RawTxn;
  check(path: string, version?: number): RawTxn;
  remove(path: string, version?: number): RawTxn;
  commit(cb: Cb<{ type: number; err?: number; path?: string }[]>): void;
}
interface RawClient {
  connect(): void;
  close(): void;
  once(ev: string, fn: (...a: unknown[]) => void): void;
  on(ev: string, fn: (...a: unknown[]) => void): void;
  getSessionId(): Buffer;
  addAuthInfo(scheme: string, auth: Buffer): void;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  getState(): { getName(): string };
  create(path: string, data: Buffer, mode: number, cb: Cb<string>): void;
  remove(path: string, version: number, cb: Cb<void>): void;
  setData(path: string, data: Buffer, version: number, cb: Cb<RawStat>): void;
  getData(path: string, watcher: ((e: RawEvent) => void) | undefined, cb: (e: RawException | null, d: Buffer | undefined, s: RawStat) => void): void;
  exists(path: string, watcher: ((e: RawEvent) => void) | undefined, cb: Cb<RawStat | null>): void;
  getChildren(path: string, watcher: ((e: RawEvent) => void) | undefined, cb: (e: RawException | null, c: string[], s: RawStat) => void): void;
  transaction(): RawTxn;
}
interface ZkLib {
  createClient(servers: string, opts: Record<string, unknown>): RawClient;
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
}

export const zookeeper = createRequire(import.meta.url)('node-zookeeper-client') as ZkLib;
export const Mode = zookeeper.CreateMode;

export interface Stat {
  readonly version: number;
  readonly cversion: number;
  readonly dataLength: number;
  readonly numChildren: number;
  readonly ephemeral: boolean;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const stat = (s: RawStat): Stat => ({ version: s.version, cversion: s.cversion, dataLength: s.dataLength, numChildren: s.numChildren, ephemeral: !s.ephemeralOwner.equals(Buffer.alloc(8)) });

function call<T>(f: (cb: Cb<T>) => void): Promise<Result<T>> {
  return new Promise((resolve) => f((e, v) => resolve(e ? { ok: false, error: e.getName() } : { ok: true, value: v })));
}

/** One client session with the operations the scripts use. */
export class Zk {
  readonly events: string[] = [];
  private constructor(readonly raw: RawClient) {}

  /**
   * Connects (bounded wait); `session` resumes an existing session. When the environment
   * carries HANODE_ACL_TOKEN (the agents the launcher spawns read it too), the client
   * authenticates with it (`addauth digest hanode:<token>`), unless `autoAuth` is false.
   */
  static async connect(servers: string, opts: { timeoutMs?: number; session?: { id: Buffer; password: Buffer }; autoAuth?: boolean } = {}): Promise<Zk> {
    const raw = zookeeper.createClient(servers, {
      sessionTimeout: opts.timeoutMs ?? 6000,
      spinDelay: 200,
      retries: 0,
      ...(opts.session ? { sessionId: opts.session.id, sessionPassword: opts.session.password } : {}),
    });
    const token = process.env.HANODE_ACL_TOKEN;
    if (token && opts.autoAuth !== false) raw.addAuthInfo('digest', Buffer.from(`hanode:${token}`));
    const state = await new Promise<string>((resolve) => {
      const t = setTimeout(() => resolve('TIMEOUT'), 20_000);
      raw.on('state', (s) => {
        const name = (s as { getName(): string }).getName();
        if (name === 'SYNC_CONNECTED' || name === 'EXPIRED' || name === 'AUTH_FAILED') {
          clearTimeout(t);
          resolve(name);
        }
      });
      raw.connect();
    });
    if (state !== 'SYNC_CONNECTED') {
      raw.close();
      throw new Error(`zk connect: ${state}`);
    }
    return new Zk(raw);
  }

  /** `addauth SCHEME AUTH`: sent at once, and again on every reconnect. */
  addAuth(scheme: string, auth: string): void {
    this.raw.addAuthInfo(scheme, Buffer.from(auth));
  }

  session(): { id: Buffer; password: Buffer } {
    return { id: this.raw.getSessionId(), password: this.raw.getSessionPassword() };
  }

  /** A watcher that records "EVENT@path" in `events`, tagged. */
  watcher(tag: string): (e: RawEvent) => void {
    return (e) => this.events.push(`${tag}:${e.getName()}@${e.getPath()}`);
  }

  create(path: string, data = '', mode = Mode.PERSISTENT): Promise<Result<string>> {
    return call((cb) => this.raw.create(path, Buffer.from(data), mode, cb));
  }

  remove(path: string, version = -1): Promise<Result<void>> {
    return call((cb) => this.raw.remove(path, version, cb));
  }

  async setData(path: string, data: string, version = -1): Promise<Result<Stat>> {
    const r = await call<RawStat>((cb) => this.raw.setData(path, Buffer.from(data), version, cb));
    return r.ok ? { ok: true, value: stat(r.value) } : r;
  }

  private w(watch: string | ((e: RawEvent) => void) | undefined): ((e: RawEvent) => void) | undefined {
    return typeof watch === 'string' ? this.watcher(watch) : watch;
  }

  getData(path: string, watch?: string | ((e: RawEvent) => void)): Promise<Result<{ data: string; stat: Stat }>> {
    return new Promise((resolve) =>
      this.raw.getData(path, this.w(watch), (e, d, s) => resolve(e ? { ok: false, error: e.getName() } : { ok: true, value: { data: d ? d.toString() : '', stat: stat(s) } })),
    );
  }

  async exists(path: string, watch?: string | ((e: RawEvent) => void)): Promise<Result<Stat | null>> {
    const r = await call<RawStat | null>((cb) => this.raw.exists(path, this.w(watch), cb));
    return r.ok ? { ok: true, value: r.value ? stat(r.value) : null } : r;
  }

  getChildren(path: string, watch?: string | ((e: RawEvent) => void)): Promise<Result<string[]>> {
    return new Promise((resolve) => this.raw.getChildren(path, this.w(watch), (e, c) => resolve(e ? { ok: false, error: e.getName() } : { ok: true, value: [...c].sort() })));
  }

  /** multi(): the error name of the failing op, or the per-op result types. */
  multi(build: (t: RawTxn) => RawTxn): Promise<Result<(string | number)[]>> {
    return new Promise((resolve) =>
      build(this.raw.transaction()).commit((e, results) =>
        resolve(e ? { ok: false, error: `${e.getName()} ${JSON.stringify((results ?? []).map((r) => r.err ?? 0))}` } : { ok: true, value: results.map((r) => r.path ?? r.type) }),
      ),
    );
  }

  close(): void {
    this.raw.close();
  }
}
