/**
 * A stand-in for the coordination tree until its client lands: ephemeral-sequential entries
 * with sessions. An entry's session ends `sessionTtlUs` after its owner incarnation crashed
 * (or was replaced by a restart), as a ZooKeeper session expires after its timeout. The
 * registry itself is always reachable from up nodes (it models a healthy ensemble). Values
 * are written with compare-and-set on versions, as ZooKeeper's setData.
 * Answers and watch notifications reach the caller through its Env after `rttUs`.
 */
import { ms, type Env, type Micros, type NodeId } from '../../src/core/env.ts';
import type { ListResult, ReadResult, RegisterResult, Registry, WriteResult } from '../../src/core/shard/index.ts';
import type { World } from '../../src/sim/index.ts';

interface Entry {
  readonly name: string;
  readonly data: string;
  readonly owner: NodeId;
  readonly incarnation: number;
  deadSinceUs: Micros | undefined;
}

export class FakeRegistry {
  private readonly dirs = new Map<string, Entry[]>();
  private readonly seq = new Map<string, number>();
  private readonly watchers = new Map<string, { env: Env; fn: () => void }[]>();
  private readonly incarnations = new Map<NodeId, number>();
  /** Persistent values (version -1: absent; a create makes version 0, as ZooKeeper's stat). */
  private readonly values = new Map<string, { data: string; version: number }>();
  /** Writes attempted (tests). */
  writes = 0;

  constructor(
    private readonly world: World,
    private readonly sessionTtlUs: Micros,
    private readonly rttUs: Micros = ms(2),
    private readonly pollUs: Micros = ms(100),
  ) {
    const poll = (): void => {
      this.expire();
      world.after(this.pollUs, poll);
    };
    world.after(this.pollUs, poll);
  }

  /** The registry client of one node incarnation (`restarts` from the node context). */
  client(env: Env, restarts: number): Registry {
    this.incarnations.set(env.self, restarts);
    return {
      register: (dir: string, prefix: string, data: string, done: (r: RegisterResult) => void) => {
        const n = (this.seq.get(dir) ?? 0) + 1;
        this.seq.set(dir, n);
        const name = `${prefix}${String(n).padStart(10, '0')}`;
        const list = this.dirs.get(dir) ?? [];
        list.push({ name, data, owner: env.self, incarnation: restarts, deadSinceUs: undefined });
        this.dirs.set(dir, list);
        this.fire(dir);
        env.after(this.rttUs, () => done({ ok: true, name }));
      },
      list: (dir: string, changed: () => void, done: (r: ListResult) => void) => {
        const ws = this.watchers.get(dir) ?? [];
        if (ws.length < 1000) ws.push({ env, fn: changed });
        this.watchers.set(dir, ws);
        const children = (this.dirs.get(dir) ?? []).map((e) => ({ name: e.name, data: e.data }));
        env.after(this.rttUs, () => done({ ok: true, children }));
      },
      read: (path: string, done: (r: ReadResult) => void) => {
        const v = this.values.get(path);
        const r: ReadResult = v ? { ok: true, data: v.data, version: v.version } : { ok: true, data: null, version: -1 };
        env.after(this.rttUs, () => done(r));
      },
      write: (path: string, data: string, version: number, done: (r: WriteResult) => void, fence?: string) => {
        const cur = this.values.get(path)?.version ?? -1;
        let r: WriteResult;
        if (fence !== undefined && !this.holds(fence)) r = { ok: false, error: 'fenced: NoNode', conflict: false, fenced: true };
        else if (cur !== version) r = { ok: false, error: cur < 0 ? 'NoNode' : version < 0 ? 'NodeExists' : 'BadVersion', conflict: true };
        else {
          this.values.set(path, { data, version: version + 1 });
          r = { ok: true, version: version + 1 };
        }
        this.writes++;
        env.after(this.rttUs, () => done(r));
      },
    };
  }

  /** A stored value (tests). */
  value(path: string): string | undefined {
    return this.values.get(path)?.data;
  }

  /** Overwrites a stored value as another writer would (tests). */
  overwrite(path: string, data: string): void {
    const cur = this.values.get(path)?.version ?? -1;
    this.values.set(path, { data, version: cur + 1 });
  }

  /** Whether the entry at `path` (dir/name) still exists (a write's fence). */
  private holds(path: string): boolean {
    const i = path.lastIndexOf('/');
    return (this.dirs.get(path.slice(0, i)) ?? []).some((e) => e.name === path.slice(i + 1));
  }

  entries(dir: string): string[] {
    return (this.dirs.get(dir) ?? []).map((e) => `${e.name}=${e.data}`);
  }

  private expire(): void {
    const now = this.world.now();
    for (const [dir, list] of this.dirs) {
      let changed = false;
      for (const e of list) {
        const alive = this.world.isUp(e.owner) && this.incarnations.get(e.owner) === e.incarnation;
        if (alive) e.deadSinceUs = undefined;
        else e.deadSinceUs ??= now;
      }
      const keep = list.filter((e) => e.deadSinceUs === undefined || now - e.deadSinceUs < this.sessionTtlUs);
      if (keep.length !== list.length) {
        changed = true;
        this.dirs.set(dir, keep);
      }
      if (changed) this.fire(dir);
    }
  }

  private fire(dir: string): void {
    const ws = this.watchers.get(dir) ?? [];
    this.watchers.set(dir, []);
    for (const w of ws) w.env.after(this.rttUs, w.fn); // one-shot, as ZooKeeper watches
  }
}
