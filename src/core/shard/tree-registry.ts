/**
 * The shard servers' Registry on our ZooKeeper-style tree (src/core/coord/tree): an
 * ephemeral-sequential znode per server, children listed with a one-shot watch. When the
 * session expires (the server was cut off or dead longer than the session timeout) its znode
 * vanishes, the others' watches fire and the next lowest becomes master; the expired server
 * gets a fresh session from `connect` on its next registration.
 */
import type { Stat, TreeClient, TreeOp } from '../coord/tree/index.ts';
import type { ListResult, ReadResult, RegisterResult, Registry, RegistryEntry, WriteResult } from './registry.ts';

/** Children read per list (a handful of servers in practice). */
export const MAX_REGISTRY_CHILDREN = 256;

export class TreeRegistry implements Registry {
  private client: TreeClient;

  constructor(private readonly connect: () => TreeClient) {
    this.client = connect();
  }

  private live(): TreeClient {
    const s = this.client.state();
    if (s === 'expired' || s === 'closed') this.client = this.connect();
    return this.client;
  }

  /**
   * Registers once per session. A create whose answer was lost (connection loss, a timeout)
   * may still have happened, and retrying it blindly leaves two entries of one session, the
   * older one shadowing the newer (Curator's "protected" mode exists for this): so first look
   * for an entry this session already owns (the ephemeral owner in its stat) and adopt it.
   */
  register(dir: string, prefix: string, data: string, done: (r: RegisterResult) => void): void {
    const c = this.live();
    this.ensure(c, dir, (err) => {
      if (err) return done({ ok: false, error: err });
      this.ownEntry(c, dir, prefix, (e0, existing) => {
        if (e0) return done({ ok: false, error: e0 });
        if (existing !== undefined) return done({ ok: true, name: existing });
        c.create(`${dir}/${prefix}`, data, 'ephemeral_sequential', (e, path) => {
          if (e || !path) return done({ ok: false, error: e ?? 'no path' });
          done({ ok: true, name: path.slice(dir.length + 1) });
        });
      });
    });
  }

  /** The child of `dir` named `prefix<seq>` whose ephemeral owner is this client's session, if any. */
  private ownEntry(c: TreeClient, dir: string, prefix: string, done: (err: string | null, name?: string) => void): void {
    const session = c.sessionId();
    if (session === undefined) return done('no session');
    c.getChildren(dir, undefined, (err, children) => {
      if (err) return done(err);
      const names = [...(children ?? [])].filter((n) => n.startsWith(prefix)).sort().slice(0, MAX_REGISTRY_CHILDREN);
      if (names.length === 0) return done(null);
      let left = names.length;
      let found: string | undefined;
      let failed: string | null = null;
      for (const name of names) {
        c.getData(`${dir}/${name}`, undefined, (e, _value, stat) => {
          if (e && e !== 'NoNode') failed ??= e;
          else if (!e && stat?.ephemeralOwner === session && (found === undefined || name < found)) found = name;
          if (--left === 0) done(found === undefined ? failed : null, found);
        });
      }
    });
  }

  list(dir: string, changed: () => void, done: (r: ListResult) => void): void {
    const c = this.live();
    c.getChildren(dir, () => changed(), (err, children) => {
      if (err === 'NoNode') return done({ ok: true, children: [] });
      if (err || !children) return done({ ok: false, error: err ?? 'no children' });
      const names = [...children].sort().slice(0, MAX_REGISTRY_CHILDREN);
      if (names.length === 0) return done({ ok: true, children: [] });
      const out: (RegistryEntry | undefined)[] = new Array(names.length);
      let left = names.length;
      let failed: string | undefined;
      names.forEach((name, i) => {
        c.getData(`${dir}/${name}`, undefined, (e, value) => {
          // Only NoNode means the entry vanished meanwhile; any other error (connection loss, a
          // timeout) says nothing about it, and dropping it would make its owner think its
          // session ended and register a second entry: the whole list fails instead.
          if (e && e !== 'NoNode') failed ??= e;
          out[i] = e ? undefined : { name, data: value ?? '' };
          if (--left > 0) return;
          if (failed !== undefined) return done({ ok: false, error: failed });
          done({ ok: true, children: out.filter((x): x is RegistryEntry => x !== undefined) });
        });
      });
    });
  }

  read(path: string, done: (r: ReadResult) => void): void {
    const c = this.live();
    // sync first: the server we talk to may lag the ensemble's latest write (ZooKeeper reads are not linearizable).
    c.sync(path, (se) => {
      if (se) return done({ ok: false, error: se });
      c.getData(path, undefined, (e, value, stat) => {
        if (e === 'NoNode') return done({ ok: true, data: null, version: -1 });
        if (e || !stat) return done({ ok: false, error: e ?? 'no stat' });
        done({ ok: true, data: value ?? '', version: stat.version });
      });
    });
  }

  write(path: string, data: string, version: number, done: (r: WriteResult) => void, fence?: string): void {
    const c = this.live();
    const op: TreeOp = version >= 0 ? { op: 'setData', path, data, version } : { op: 'create', path, data, mode: 'persistent' };
    const conflictOf = (e: string): boolean => (version >= 0 ? e === 'BadVersion' || e === 'NoNode' : e === 'NodeExists');
    const run = (): void => {
      if (fence === undefined) {
        const answer = (e: string | null, stat?: Stat): void => {
          if (e) return done({ ok: false, error: e, conflict: conflictOf(e) });
          done({ ok: true, version: stat?.version ?? 0 });
        };
        if (op.op === 'setData') c.setData(path, data, version, (e, stat) => answer(e, stat));
        else c.create(path, data, 'persistent', (e, _p, stat) => answer(e, stat));
        return;
      }
      // The fencing recipe: the write applies only while the fence entry exists, atomically.
      c.multi([{ op: 'check', path: fence, version: -1 }, op], (e, res) => {
        if (e || !res) return done({ ok: false, error: e ?? 'no result', conflict: false });
        if (!res.ok) {
          if (res.failedAt === 0) return done({ ok: false, error: `fenced: ${res.error}`, conflict: false, fenced: true });
          return done({ ok: false, error: res.error, conflict: conflictOf(res.error) });
        }
        const r = res.results[1];
        done({ ok: true, version: r && (r.op === 'setData' || r.op === 'create') ? r.stat.version : 0 });
      });
    };
    if (version >= 0) return run();
    this.ensure(c, path.slice(0, path.lastIndexOf('/')), (err) => (err ? done({ ok: false, error: err, conflict: false }) : run()));
  }

  /** Creates every missing ancestor of `dir` (persistent), tolerating races with other servers. */
  private ensure(c: TreeClient, dir: string, done: (err: string | null) => void): void {
    const parts = dir.split('/').filter((p) => p.length > 0);
    const step = (i: number): void => {
      if (i > parts.length) return done(null);
      const path = `/${parts.slice(0, i).join('/')}`;
      c.create(path, '', 'persistent', (e) => (e && e !== 'NodeExists' ? done(e) : step(i + 1)));
    };
    step(1);
  }
}
