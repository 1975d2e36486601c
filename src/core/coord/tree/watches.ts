/**
 * Server-side watch registrations of one tree server: per client session, as in ZooKeeper
 * (a watch lives on the server the session is connected to). One-shot data / exists / child
 * watches are removed when they fire; persistent recursive watches stay until removed.
 *
 * Matching follows ZooKeeper's WatchManager: NodeCreated and NodeDataChanged fire data and
 * exists watches on the path; NodeDeleted fires data, exists and child watches on the path;
 * NodeChildrenChanged fires child watches on the parent; a persistent recursive watch on any
 * ancestor-or-self fires for NodeCreated, NodeDeleted and NodeDataChanged (never for
 * NodeChildrenChanged). A session gets one event per (type, path) however many of its
 * watches match.
 */
import { assert } from '../../env.ts';
import { MAX_WATCHES_PER_SESSION } from '../config.ts';
import { isUnder } from './paths.ts';
import type { WatchKind } from './protocol.ts';
import type { TreeEvent } from './types.ts';

export class WatchTable {
  /** kind → path → sessions */
  private readonly byKind: Record<WatchKind, Map<string, Set<string>>> = {
    data: new Map(),
    exists: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };
  private readonly perSession = new Map<string, number>();

  add(session: string, path: string, kind: WatchKind): boolean {
    let set = this.byKind[kind].get(path);
    if (set?.has(session)) return true;
    const n = this.perSession.get(session) ?? 0;
    if (n >= MAX_WATCHES_PER_SESSION) return false;
    if (!set) this.byKind[kind].set(path, (set = new Set()));
    set.add(session);
    this.perSession.set(session, n + 1);
    return true;
  }

  has(session: string, path: string, kind: WatchKind): boolean {
    return this.byKind[kind].get(path)?.has(session) ?? false;
  }

  /** Whether the session had that watch. */
  remove(session: string, path: string, kind: WatchKind): boolean {
    const set = this.byKind[kind].get(path);
    if (!set?.delete(session)) return false;
    if (set.size === 0) this.byKind[kind].delete(path);
    this.dec(session);
    return true;
  }

  /** Drops every watch of a session (closed or expired). */
  dropSession(session: string): void {
    for (const kind of Object.keys(this.byKind) as WatchKind[]) {
      for (const [path, set] of this.byKind[kind]) {
        if (set.delete(session) && set.size === 0) this.byKind[kind].delete(path);
      }
    }
    this.perSession.delete(session);
  }

  count(session: string): number {
    return this.perSession.get(session) ?? 0;
  }

  /** Sessions to notify for one tree event, removing the one-shot watches that fired. */
  trigger(ev: TreeEvent): string[] {
    const hit = new Set<string>();
    const fire = (kind: WatchKind, path: string) => {
      const set = this.byKind[kind].get(path);
      if (!set) return;
      for (const s of set) {
        hit.add(s);
        this.dec(s);
      }
      this.byKind[kind].delete(path);
    };
    switch (ev.type) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        fire('data', ev.path);
        fire('exists', ev.path);
        break;
      case 'NodeDeleted':
        fire('data', ev.path);
        fire('exists', ev.path);
        fire('child', ev.path);
        break;
      case 'NodeChildrenChanged':
        fire('child', ev.path);
        break;
    }
    // A persistent watch fires for every event on its own path (ZooKeeper's AddWatchMode.PERSISTENT).
    for (const s of this.byKind.persistent.get(ev.path) ?? []) hit.add(s);
    if (ev.type !== 'NodeChildrenChanged') {
      for (const [root, set] of this.byKind.persistentRecursive) if (isUnder(ev.path, root)) for (const s of set) hit.add(s);
    }
    return [...hit].sort();
  }

  private dec(session: string): void {
    const n = (this.perSession.get(session) ?? 0) - 1;
    assert(n >= 0, () => `watch count of ${session} went negative`);
    if (n === 0) this.perSession.delete(session);
    else this.perSession.set(session, n);
  }
}
