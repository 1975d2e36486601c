/**
 * The asynchronous state batches of a FileStorage (its syncAsync): changed state values written to
 * their temp files (a large one, a Raft snapshot, in chunks on the thread pool), fsynced on the
 * thread pool, renamed, and the directory fsynced there too. Batches run side by side when they
 * share no key (the temp names are per key); each belongs to a write generation of the storage and
 * is durable once done. sync() finishes the running ones on its own thread (finishSync), a crash
 * abandons them (no rename: the old values stay).
 */
import { closeSync, fsync, fsyncSync, openSync, write } from 'node:fs';
import { fsyncDir, writeAllAt } from './fs-util.ts';
import type { StagedFile, StateFiles } from './state-files.ts';

/** One batch: its temp files' writes and fsyncs, then the renames, then the directory's fsync. */
interface StateOp {
  readonly files: readonly StagedFile[];
  /** The write generation the batch belongs to: durable once phase is 'done'. */
  readonly gen: number;
  /** Temp files whose write or fsync still runs on the thread pool: their fds are closed only once it returns. */
  readonly running: Set<StagedFile>;
  phase: 'files' | 'dir' | 'done';
}

export interface StateBatchHooks {
  /** An fsync returned (for the storage's counters). */
  readonly fsynced: () => void;
  /** An asynchronous write or fsync failed: nothing it covered may be acknowledged. */
  readonly failed: (err: NodeJS.ErrnoException) => void;
  /** A batch became durable. */
  readonly done: () => void;
}

export class StateBatches {
  /** Running batches, oldest first (pushed in generation order). */
  private ops: StateOp[] = [];

  constructor(
    private readonly state: StateFiles,
    /** Values this big or bigger are written on the thread pool, writeChunkBytes a call. */
    private readonly asyncWriteMinBytes: number,
    private readonly writeChunkBytes: number,
    private readonly hooks: StateBatchHooks,
  ) {}

  /** Whether a changed state value belongs to a batch still running (its temp file is in use). */
  busy(): boolean {
    if (this.ops.length === 0) return false;
    const keys = new Set<string>();
    for (const op of this.ops) for (const f of op.files) keys.add(f.key);
    return this.state.dirtyAmong(keys);
  }

  /** The generation of the oldest batch still running: writes of that generation and later are not durable yet. */
  oldestGen(): number | undefined {
    return this.ops[0]?.gen;
  }

  /** Stages every changed state value as the batch of generation `gen`. */
  stage(gen: number): void {
    const op: StateOp = { files: this.state.stage(this.asyncWriteMinBytes), gen, running: new Set(), phase: 'files' };
    this.ops.push(op);
    for (const f of op.files) if (f.fd !== null) this.advance(op, f);
    if (op.running.size === 0) this.commit(op); // removals only
  }

  /** Whether `op` is still running in `phase` (not finished by finishSync meanwhile, nor abandoned). */
  private live(op: StateOp, phase: StateOp['phase']): boolean {
    return op.phase === phase && this.ops.includes(op);
  }

  /** The next step of one staged temp file on the thread pool: its next chunk, else its fsync. */
  private advance(op: StateOp, f: StagedFile): void {
    const fd = f.fd!;
    op.running.add(f);
    // Finished by sync() meanwhile, or abandoned: only the fd is left to release.
    const gone = (): boolean => {
      if (this.live(op, 'files')) return false;
      if (!f.closed) closeSync(fd);
      f.closed = true;
      return true;
    };
    if (f.written < f.data.length) {
      const at = f.written;
      // Positional: finishSync may write the same bytes at the same place meanwhile.
      write(fd, f.data, at, Math.min(this.writeChunkBytes, f.data.length - at), at, (err, n) => {
        op.running.delete(f);
        if (gone()) return;
        if (err) return this.hooks.failed(err);
        f.written = Math.max(f.written, at + n);
        this.advance(op, f);
      });
      return;
    }
    fsync(fd, (err) => {
      op.running.delete(f);
      if (gone()) return;
      if (err) return this.hooks.failed(err);
      this.hooks.fsynced();
      if (op.running.size === 0) this.commit(op);
    });
  }

  /** Every temp file of `op` is written and fsynced: close, rename, then fsync the directory on the thread pool. */
  private commit(op: StateOp): void {
    for (const f of op.files) {
      if (f.fd !== null && !f.closed) closeSync(f.fd);
      f.closed = true;
    }
    this.state.commitStaged(op.files);
    op.phase = 'dir';
    const dirFd = openSync(this.state.path(), 'r');
    fsync(dirFd, (err) => {
      closeSync(dirFd);
      if (!this.live(op, 'dir')) return; // finished by sync() meanwhile, or abandoned
      if (err) return this.hooks.failed(err);
      this.hooks.fsynced();
      op.phase = 'done';
      this.ops.splice(this.ops.indexOf(op), 1);
      this.hooks.done();
    });
  }

  /** Finishes the running batches on this thread (sync(), close()), oldest first: what remains of write, fsync, rename, directory fsync. */
  finishSync(): void {
    for (const op of this.ops) {
      if (op.phase === 'files') {
        for (const f of op.files) {
          if (f.fd === null || f.closed) continue;
          // The rest of a chunked write, at its place (a chunk still running on the pool writes the same bytes).
          if (f.written < f.data.length) {
            writeAllAt(f.fd, f.data, f.written);
            f.written = f.data.length;
          }
          fsyncSync(f.fd); // harmless beside an fsync of the same fd still running on the pool
          this.hooks.fsynced();
        }
        // An fd whose pool write or fsync still runs is closed by its callback (never under it).
        for (const f of op.files) {
          if (f.fd !== null && !f.closed && !op.running.has(f)) {
            closeSync(f.fd);
            f.closed = true;
          }
        }
        // Renaming a file still open is fine; its bytes were fsynced just above.
        this.state.commitStaged(op.files.map((f) => (f.closed ? f : { ...f, closed: true })));
      }
      op.phase = 'done';
    }
    if (this.ops.length > 0) {
      fsyncDir(this.state.path());
      this.hooks.fsynced();
      this.ops = [];
    }
  }

  /** A crash mid batch: no rename happens; fds whose pool write or fsync still runs close when it returns. */
  abandon(): void {
    const ops = this.ops;
    this.ops = [];
    for (const op of ops) {
      for (const f of op.files) {
        if (f.fd === null || f.closed || op.running.has(f)) continue; // a running one: its callback sees the batch gone and closes it
        closeSync(f.fd);
        f.closed = true;
      }
    }
  }
}
