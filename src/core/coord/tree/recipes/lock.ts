/**
 * Lock recipe (ZooKeeper "Recipes and Solutions": Locks), written against TreeClient.
 *
 * Each contender creates an EPHEMERAL_SEQUENTIAL child of the lock node; the lowest
 * sequence holds the lock; everyone else watches only its immediate predecessor (exists()
 * with a watch), so a release wakes exactly one waiter: no herd effect. The child's name
 * carries the session id, so after a ConnectionLoss on create the contender finds its own
 * node instead of creating a second one (the recipe's "GUID" trick).
 *
 * The holder's fencing token is its node's czxid: it strictly increases from holder to holder.
 */
import type { TreeClient } from '../client-api.ts';
import { joinPath } from '../paths.ts';
import type { ZkError } from '../types.ts';
import { sortedByPrefix } from './sequence.ts';

/** Bound on retries of one step after ConnectionLoss (ours). */
const MAX_RETRIES = 20;

export type LockCallback = (err: ZkError | null, info?: { node: string; fencingToken: number }) => void;

export class TreeLock {
  private node: string | undefined;
  private waiting: LockCallback | undefined;
  private held = false;

  constructor(
    private readonly client: TreeClient,
    /** The lock's directory; it must exist (create it once, e.g. as a container). */
    private readonly dir: string,
    private readonly prefix = 'lock-',
  ) {}

  isHeld(): boolean {
    return this.held;
  }

  /** The child node this contender owns, once created. */
  ownNode(): string | undefined {
    return this.node;
  }

  /** Calls back once the lock is held (or on a definitive error such as SessionExpired). */
  acquire(cb: LockCallback): void {
    this.waiting = cb;
    this.createNode(0);
  }

  /** Deletes our node; the next contender (only it) is woken. */
  release(cb: (err: ZkError | null) => void): void {
    const node = this.node;
    this.held = false;
    this.waiting = undefined;
    this.node = undefined;
    if (node === undefined) return cb(null);
    this.client.delete(joinPath(this.dir, node), -1, (err) => cb(err === 'NoNode' ? null : err));
  }

  private myPrefix(): string {
    return `${this.prefix}${this.client.sessionId() ?? 'nosession'}-`;
  }

  private fail(err: ZkError): void {
    const cb = this.waiting;
    this.waiting = undefined;
    cb?.(err);
  }

  private createNode(attempt: number): void {
    this.client.create(joinPath(this.dir, this.myPrefix()), '', 'ephemeral_sequential', (err, path) => {
      if (!err && path) {
        this.node = path.slice(path.lastIndexOf('/') + 1);
        return this.check(0);
      }
      if (err === 'ConnectionLoss' && attempt < MAX_RETRIES) {
        // Did the create land before the connection dropped? Look for our own node.
        this.client.getChildren(this.dir, undefined, (e2, children) => {
          const mine = e2 ? undefined : sortedByPrefix(children ?? [], this.myPrefix())[0];
          if (mine !== undefined) {
            this.node = mine;
            this.check(0);
          } else this.createNode(attempt + 1);
        });
        return;
      }
      this.fail(err ?? 'BadArguments');
    });
  }

  private check(attempt: number): void {
    if (this.waiting === undefined || this.node === undefined) return;
    this.client.getChildren(this.dir, undefined, (err, children) => {
      if (err) {
        if (err === 'ConnectionLoss' && attempt < MAX_RETRIES) return this.check(attempt + 1);
        return this.fail(err);
      }
      const all = sortedByPrefix(children ?? [], this.prefix);
      const i = all.indexOf(this.node!);
      if (i < 0) return this.fail('NoNode'); // our ephemeral is gone: the session expired
      if (i === 0) {
        this.client.exists(joinPath(this.dir, this.node!), undefined, (e2, stat) => {
          if (e2 || !stat) return this.fail(e2 ?? 'NoNode');
          this.held = true;
          const cb = this.waiting;
          this.waiting = undefined;
          cb?.(null, { node: this.node!, fencingToken: stat.czxid });
        });
        return;
      }
      // Watch only the predecessor: when it goes, re-check (it may not have held the lock).
      const pred = joinPath(this.dir, all[i - 1]!);
      this.client.exists(pred, () => this.check(0), (e2, stat) => {
        if (e2) {
          if (e2 === 'ConnectionLoss' && attempt < MAX_RETRIES) return this.check(attempt + 1);
          return this.fail(e2);
        }
        if (!stat) this.check(0); // gone between getChildren and exists
      });
    });
  }
}
