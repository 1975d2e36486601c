/**
 * The coordination the shard servers need: ephemeral-sequential registration and a one-shot
 * watch on a directory's children (the ZooKeeper recipe the seed used). Our tree
 * (src/core/coord) provides these over Raft; an adapter implements this interface on it.
 * Callbacks run from within Env events of the calling node.
 */
import { assert, type Env, type Micros } from '../env.ts';
export interface RegistryEntry {
  /** e.g. "server-0000000007" */
  readonly name: string;
  readonly data: string;
}

export type RegisterResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string };
export type ListResult = { readonly ok: true; readonly children: readonly RegistryEntry[] } | { readonly ok: false; readonly error: string };

/** A stored value and its version (-1 and null data: there is none yet). */
export type ReadResult = { readonly ok: true; readonly data: string | null; readonly version: number } | { readonly ok: false; readonly error: string };
/** `conflict`: the value changed since the version given (someone else wrote it). */
export type WriteResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly error: string; readonly conflict: boolean; readonly fenced?: boolean };

export interface Registry {
  /** Creates an ephemeral-sequential child `dir/prefix<seq>`; it vanishes when this node's session ends. */
  register(dir: string, prefix: string, data: string, done: (r: RegisterResult) => void): void;
  /** Lists `dir`'s children; `changed` fires once on the next change of the list. */
  list(dir: string, changed: () => void, done: (r: ListResult) => void): void;
  /** Reads a persistent value, as fresh as the coordination store's latest write (ZooKeeper: sync, then getData). */
  read(path: string, done: (r: ReadResult) => void): void;
  /**
   * Writes a persistent value if it still has `version` (-1: only if it does not exist yet),
   * creating missing parents: a compare-and-set, so of two writers working from the same read
   * only one succeeds (ZooKeeper setData/create with a version).
   * `fence`: the path of an entry made by `register` that must still exist for the write to
   * happen, in the same atomic step (ZooKeeper: a multi of check(fence) and the write, the
   * fencing recipe). A master passes the entry it was elected with: once its session ended
   * (its entry gone, another master elected) no write of it lands, even through a new session.
   * A write refused by the fence answers ok: false, fenced: true.
   */
  write(path: string, data: string, version: number, done: (r: WriteResult) => void, fence?: string): void;
}

/** The sequence number ZooKeeper appends to a sequential node's name (10 digits). */
export function sequenceOf(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.NaN;
}

/** The master is the registered server with the lowest sequence number. */
export function lowestEntry(children: readonly RegistryEntry[]): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const c of children) {
    const s = sequenceOf(c.name);
    if (Number.isNaN(s)) continue;
    if (!best || s < sequenceOf(best.name)) best = c;
  }
  return best;
}

/**
 * A Registry whose every call answers within `timeoutUs` (with error 'timeout' if the
 * coordination store did not): the election and the master wait on these answers, and one
 * lost answer must not stall them for good. A late answer after the deadline is dropped; the
 * caller retries, which is safe: registration adopts the entry its session already owns, and
 * a write that did happen makes the retried compare-and-set conflict.
 */
export class BoundedRegistry implements Registry {
  constructor(
    private readonly env: Env,
    private readonly inner: Registry,
    private readonly timeoutUs: Micros,
  ) {
    assert(timeoutUs > 0, 'registry: timeout must be positive');
  }

  register(dir: string, prefix: string, data: string, done: (r: RegisterResult) => void): void {
    this.bounded<RegisterResult>((d) => this.inner.register(dir, prefix, data, d), { ok: false, error: 'timeout' }, done);
  }

  list(dir: string, changed: () => void, done: (r: ListResult) => void): void {
    this.bounded<ListResult>((d) => this.inner.list(dir, changed, d), { ok: false, error: 'timeout' }, done);
  }

  read(path: string, done: (r: ReadResult) => void): void {
    this.bounded<ReadResult>((d) => this.inner.read(path, d), { ok: false, error: 'timeout' }, done);
  }

  write(path: string, data: string, version: number, done: (r: WriteResult) => void, fence?: string): void {
    this.bounded<WriteResult>((d) => this.inner.write(path, data, version, d, fence), { ok: false, error: 'timeout', conflict: false }, done);
  }

  private bounded<T>(start: (done: (r: T) => void) => void, timedOut: T, done: (r: T) => void): void {
    let finished = false;
    const timer = this.env.after(this.timeoutUs, () => {
      if (finished) return;
      finished = true;
      done(timedOut);
    });
    start((r) => {
      if (finished) return;
      finished = true;
      timer.cancel();
      done(r);
    });
  }
}
