/**
 * Leader election recipe (ZooKeeper "Recipes and Solutions": Leader Election): the
 * candidate with the lowest EPHEMERAL_SEQUENTIAL node leads; the others watch their
 * predecessor only, so a leader's death wakes exactly one candidate. Built on TreeLock:
 * leading is holding the lock; the node's data names the candidate.
 */
import type { TreeClient } from '../client-api.ts';
import { joinPath } from '../paths.ts';
import type { ZkError } from '../types.ts';
import { TreeLock } from './lock.ts';
import { sortedByPrefix } from './sequence.ts';

export class LeaderElection {
  private readonly lock: TreeLock;

  constructor(
    private readonly client: TreeClient,
    private readonly dir: string,
    private readonly candidate: string,
  ) {
    this.lock = new TreeLock(client, dir, 'n_');
  }

  /** Joins the election; `elected` runs when this candidate becomes leader. */
  run(elected: (err: ZkError | null, term?: number) => void): void {
    this.lock.acquire((err, info) => {
      if (err || !info) return elected(err ?? 'BadArguments');
      this.client.setData(joinPath(this.dir, info.node), this.candidate, -1, (e2) => elected(e2, info.fencingToken));
    });
  }

  isLeader(): boolean {
    return this.lock.isHeld();
  }

  /** Steps down (or leaves the queue). */
  resign(cb: (err: ZkError | null) => void): void {
    this.lock.release(cb);
  }

  /** Who leads now, as seen by this client's server (sync first for a fresh answer). */
  leader(cb: (err: ZkError | null, candidate?: string) => void): void {
    this.client.getChildren(this.dir, undefined, (err, children) => {
      if (err) return cb(err);
      const first = sortedByPrefix(children ?? [], 'n_')[0];
      if (first === undefined) return cb(null, undefined);
      this.client.getData(joinPath(this.dir, first), undefined, (e2, data) => cb(e2 === 'NoNode' ? null : e2, e2 ? undefined : data));
    });
  }
}
