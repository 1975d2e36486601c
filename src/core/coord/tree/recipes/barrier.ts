/**
 * Barrier recipes (ZooKeeper "Recipes and Solutions": Barriers, Double Barriers).
 *
 * Barrier: while the barrier node exists, waiters wait (exists() with a watch); whoever
 * removes it releases them all at once (here a herd is the point).
 * DoubleBarrier: `size` participants enter (each creates an ephemeral child); all proceed
 * once `size` are in, signalled by a `ready` node; they leave by deleting their child and
 * the last one out is seen by everyone watching the children.
 */
import type { TreeClient } from '../client-api.ts';
import { joinPath } from '../paths.ts';
import type { ZkError } from '../types.ts';

export class Barrier {
  constructor(
    private readonly client: TreeClient,
    private readonly path: string,
  ) {}

  set(cb: (err: ZkError | null) => void): void {
    this.client.create(this.path, '', 'persistent', (err) => cb(err === 'NodeExists' ? null : err));
  }

  remove(cb: (err: ZkError | null) => void): void {
    this.client.delete(this.path, -1, (err) => cb(err === 'NoNode' ? null : err));
  }

  /** Calls back once the barrier node does not exist. */
  wait(cb: (err: ZkError | null) => void): void {
    let done = false;
    const finish = (err: ZkError | null) => {
      if (!done) {
        done = true;
        cb(err);
      }
    };
    this.client.exists(this.path, () => this.wait(finish), (err, stat) => {
      if (err) return finish(err);
      if (!stat) finish(null);
    });
  }
}

export class DoubleBarrier {
  constructor(
    private readonly client: TreeClient,
    /** Must exist. */
    private readonly dir: string,
    private readonly name: string,
    private readonly size: number,
  ) {}

  /** Calls back once `size` participants have entered. */
  enter(cb: (err: ZkError | null) => void): void {
    const ready = joinPath(this.dir, 'ready');
    let done = false;
    const finish = (err: ZkError | null) => {
      if (!done) {
        done = true;
        cb(err);
      }
    };
    // Watch for `ready` before joining so its creation cannot be missed.
    this.client.exists(ready, () => finish(null), (err, stat) => {
      if (err) return finish(err);
      if (stat) return finish(null);
      this.client.create(joinPath(this.dir, this.name), '', 'ephemeral', (e2) => {
        if (e2 && e2 !== 'NodeExists') return finish(e2);
        this.client.getChildren(this.dir, undefined, (e3, children) => {
          if (e3) return finish(e3);
          const n = (children ?? []).filter((c) => c !== 'ready').length;
          if (n >= this.size) this.client.create(ready, '', 'persistent', (e4) => finish(e4 === 'NodeExists' ? null : e4));
        });
      });
    });
  }

  /** Leaves; calls back once every participant has left. */
  leave(cb: (err: ZkError | null) => void): void {
    this.client.delete(joinPath(this.dir, this.name), -1, (err) => {
      if (err && err !== 'NoNode') return cb(err);
      const check = () =>
        this.client.getChildren(this.dir, () => check(), (e2, children) => {
          if (e2) return cb(e2);
          if ((children ?? []).filter((c) => c !== 'ready').length === 0) cb(null);
        });
      check();
    });
  }
}
