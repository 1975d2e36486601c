/**
 * The shard servers' Registry on our ZooKeeper-style tree (src/core/coord/tree): an
 * ephemeral-sequential znode per server, children listed with a one-shot watch. When the
 * session expires (the server was cut off or dead longer than the session timeout) its znode
 * vanishes, the others' watches fire and the next lowest becomes master; the expired server
 * gets a fresh session from `connect` on its next registration.
 */
import type { TreeClient } from '../coord/tree/index.ts';
import type { ListResult, RegisterResult, Registry, RegistryEntry } from './registry.ts';

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

  register(dir: string, prefix: string, data: string, done: (r: RegisterResult) => void): void {
    const c = this.live();
    this.ensure(c, dir, (err) => {
      if (err) return done({ ok: false, error: err });
      c.create(`${dir}/${prefix}`, data, 'ephemeral_sequential', (e, path) => {
        if (e || !path) return done({ ok: false, error: e ?? 'no path' });
        done({ ok: true, name: path.slice(dir.length + 1) });
      });
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
      names.forEach((name, i) => {
        c.getData(`${dir}/${name}`, undefined, (e, value) => {
          out[i] = e ? undefined : { name, data: value ?? '' }; // NoNode: it vanished meanwhile
          if (--left === 0) done({ ok: true, children: out.filter((x): x is RegistryEntry => x !== undefined) });
        });
      });
    });
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
