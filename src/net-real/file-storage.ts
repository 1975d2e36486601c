/**
 * File-backed Storage (src/core/env.ts) for hanode: an append-only, checksummed log in
 * segment files plus atomically replaced state files, with group commit.
 *
 * Layout under `dir`:
 *   log/<first index, 20 digits>.seg   segments (log-segments.ts)
 *   log/first                          the durable compaction point (atomic file)
 *   state/k-<key>                      one atomic file per named value (state-files.ts)
 *
 * Nothing touches the disk between syncs: appends are framed and buffered, truncations and
 * compactions are recorded, and sync() applies the whole batch with one fsync per touched
 * file (group commit). A crash therefore loses exactly the mutations since the last sync,
 * which the Storage contract allows. Reads are served from memory (the live log and the
 * state values), so the log must be kept short by compaction, as Raft does with snapshots.
 *
 * sync() order: state values, then the compaction point, then the log (truncate, append), then
 * deletion of obsolete segments. Each step is individually crash-safe; recovery
 * (scanSegments) reconciles any prefix of it.
 *
 * syncAsync() (the Env's asynchronous durability point) keeps the fsync off the event loop: when
 * only appends to the active segment are pending (the hot path of Raft replication) it writes them
 * to the page cache and fsyncs on libuv's thread pool; every append made while that fsync runs is
 * written meanwhile and covered by the next one (group commit), and the callers are told, in
 * order, when their fsync returns. Changed state values (Raft's acked mark, every 256 entries)
 * go the same way: written to their temp files at once (a large one, a Raft snapshot, in chunks on
 * the thread pool), fsynced on the thread pool, renamed, and the directory fsynced there too
 * (state-batches.ts); batches run side by side when they share no key. A compaction goes the same way
 * (FirstOp: the compaction point once the state batches staged before it are durable, then the
 * obsolete segments). Anything else pending (a truncation, a new segment, a compaction while one
 * runs or past every written record, a change of a key whose batch still runs) takes the
 * synchronous sync() path, which first finishes the running batches and fsyncs what the async
 * path wrote.
 *
 * Log data is made durable with fdatasync: it flushes the data and the metadata needed to read it
 * back (the file size), skipping timestamps, as etcd's WAL does (fileutil.Fdatasync on Linux).
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, fsync, openSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LogWindow } from '../host/log-window.ts';
import { assert, type Storage, type StorageDamage } from '../core/env.ts';
import { decode, encode } from './codec.ts';
import { ensureDirDurable, fsyncDir, TMP_PREFIX, tmpName, writeAll, writeFileAtomicNoDirSync } from './fs-util.ts';
import { scanSegments, segmentHeader, segmentName, truncateFile, type LogCut } from './log-segments.ts';
import { framedRecordOf } from './record-cache.ts';
import { frameRecord, readRecord } from './record-format.ts';
import { StateBatches } from './state-batches.ts';
import { CorruptStateError, StateFiles } from './state-files.ts';

export interface FileStorageOptions {
  /** Roll to a new segment past this size. Default 64 MB: etcd's WAL SegmentSizeBytes (server/storage/wal/wal.go). */
  readonly segmentBytes?: number;
  /**
   * Buffered (unsynced) bytes that force an early sync. Bounds memory when a core appends a
   * lot between syncs; syncing early is always allowed. Default 16 MiB.
   */
  readonly maxPendingBytes?: number;
  /** State values of this many bytes or more are written on the thread pool by syncAsync (default ASYNC_WRITE_MIN_BYTES; tests use small ones). */
  readonly asyncWriteMinBytes?: number;
  /** Bytes a write call of such a value (default WRITE_CHUNK_BYTES). */
  readonly writeChunkBytes?: number;
}

export interface RecoveryReport {
  readonly first: number;
  readonly last: number;
  /** What was cut from disk because it was torn or corrupt (never replayed). */
  readonly cuts: readonly LogCut[];
  /** Segments deleted because every record in them precedes the compaction point. */
  readonly obsoleteDeleted: readonly string[];
}

export interface FileStorageStats {
  syncs: number;
  fsyncs: number;
  bytesWritten: number;
}

const DEFAULT_SEGMENT_BYTES = 64_000_000;
const DEFAULT_MAX_PENDING_BYTES = 16 * 1024 * 1024;
const FIRST_FILE = 'first';
/**
 * State values this big or bigger (a Raft snapshot) are written to their temp file on the thread
 * pool, WRITE_CHUNK_BYTES a call, instead of on the event loop: a snapshot of 10,000 keys is
 * megabytes. Smaller ones (hard state, the acked mark) are one quick write.
 */
const ASYNC_WRITE_MIN_BYTES = 64 * 1024;
const WRITE_CHUNK_BYTES = 1024 * 1024;

/**
 * An asynchronous compaction (syncAsync): the compaction point `value` is written to a temp file once
 * every state batch staged before it is durable (Raft's log base goes with those: values before the
 * point, as sync() orders them), fsynced on the thread pool, renamed, the directory fsynced there
 * too; then the segments it made obsolete are deleted.
 */
interface FirstOp {
  readonly value: number;
  readonly gen: number;
  phase: 'wait' | 'file' | 'dir' | 'done';
}

interface Segment {
  readonly base: number;
  size: number;
}

export class FileStorage implements Storage {
  readonly recovery: RecoveryReport;
  readonly stats: FileStorageStats = { syncs: 0, fsyncs: 0, bytesWritten: 0 };

  private readonly logDir: string;
  private readonly state: StateFiles;
  private readonly segmentBytes: number;
  private readonly maxPendingBytes: number;
  private readonly asyncWriteMinBytes: number;
  private readonly writeChunkBytes: number;

  private firstDirty = false;
  /** Live records first..last (in memory; the disk is the durable copy). */
  private readonly log: LogWindow;
  /** Position on disk of each written live record: parallel arrays, index k = i - first. */
  private posSegment: number[] = [];
  private posOffset: number[] = [];
  /** Last index physically in the segments (after truncations recorded below are applied). */
  private writtenLast: number;
  /** Framed records writtenLast+1.. (or first.. after a compaction past the end) awaiting sync. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Lowest on-disk cut recorded since the last sync. */
  private truncateTarget: { segment: number; offset: number } | null = null;
  private segments: Segment[];
  private activeFd: number | null = null;
  private closed = false;
  private readonly logDirLost: boolean;

  // Asynchronous durability (syncAsync): a generation counts writes made without an fsync.
  /** Bumped by every write to the active segment made without an fsync. */
  private writeGen = 0;
  /** Every write of a generation <= this is durable. */
  private durableGen = 0;
  /** Bytes were written to activeFd since its last fsync. */
  private fdDirty = false;
  /** syncAsync callers waiting for their generation to be durable, in call order. */
  private waiters: { readonly gen: number; readonly done: () => void }[] = [];
  /** The fsync running on the thread pool, if any: its fd and the generation it covers. */
  private fsyncing: { readonly fd: number; readonly gen: number } | null = null;
  /** fds closed (a segment rolled, or close()) while their fsync ran: closed when it returns. */
  private closeAfterFsync: number[] = [];
  private releaseScheduled = false;
  /** The asynchronous state batches not yet durable (state-batches.ts). */
  private readonly batches: StateBatches;
  /** The asynchronous compaction not yet durable, if any (one at a time). */
  private firstOp: FirstOp | null = null;
  /** Told of a failed asynchronous fsync (onAsyncFailure); without one the error is thrown. */
  private asyncFailure: ((err: NodeJS.ErrnoException) => void) | undefined;

  private constructor(dir: string, opts: FileStorageOptions) {
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.maxPendingBytes = opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.asyncWriteMinBytes = opts.asyncWriteMinBytes ?? ASYNC_WRITE_MIN_BYTES;
    this.writeChunkBytes = opts.writeChunkBytes ?? WRITE_CHUNK_BYTES;
    assert(this.writeChunkBytes >= 1, 'writeChunkBytes must be >= 1');
    assert(this.segmentBytes >= 64, 'segmentBytes must be >= 64');
    this.logDir = join(dir, 'log');
    const stateDir = join(dir, 'state');
    const logDirExisted = existsSync(this.logDir);
    ensureDirDurable(this.logDir);
    ensureDirDurable(stateDir);
    // An interrupted atomic write of the compaction point: the target still holds the old value.
    for (const n of readdirSync(this.logDir)) if (n.startsWith(TMP_PREFIX)) unlinkSync(join(this.logDir, n));
    this.state = new StateFiles(stateDir);
    this.batches = new StateBatches(this.state, this.asyncWriteMinBytes, this.writeChunkBytes, {
      fsynced: () => this.stats.fsyncs++,
      failed: (err) => this.failAsync(err),
      done: () => {
        if (this.firstOp !== null) this.advanceFirst(this.firstOp);
        this.release();
        this.pump();
      },
    });
    // State without a log directory: the log was deleted (a fresh data dir has neither).
    this.logDirLost = !logDirExisted && this.state.size() > 0;
    this.log = new LogWindow(readFirst(join(this.logDir, FIRST_FILE)));
    const scan = scanSegments(this.logDir, this.log.first());
    for (const r of scan.records) {
      this.log.push(r.value);
      this.posSegment.push(r.segmentBase);
      this.posOffset.push(r.offset);
    }
    this.segments = scan.segments.map((s) => ({ base: s.base, size: s.size }));
    this.writtenLast = this.last();
    if (scan.cuts.length > 0 || scan.obsoleteDeleted.length > 0) fsyncDir(this.logDir);
    this.recovery = { first: this.log.first(), last: this.last(), cuts: scan.cuts, obsoleteDeleted: scan.obsoleteDeleted };
    this.checkPositions();
  }

  /** Opens (creating if needed) the storage in dir and recovers it. Locking is the caller's (DataDir). */
  static open(dir: string, opts: FileStorageOptions = {}): FileStorage {
    return new FileStorage(dir, opts);
  }

  /**
   * Storage.damage: a cut that valid records or later segments followed damaged synced data
   * (media corruption), which a core must not take for a torn tail: the records from the cut on
   * are reported lost, up to the last index readable past the damage when there is one.
   * A tail cut is what a crash mid-write leaves and is not reported (src/core/raft/recovery.ts
   * still notices, through its acked high-water mark, when it lost what it acknowledged).
   */
  damage(): StorageDamage | undefined {
    if (this.logDirLost) return { lostLog: true };
    const damaged = this.recovery.cuts.filter((c) => !c.tail);
    if (damaged.length === 0) return undefined;
    const seen = Math.max(...damaged.map((c) => c.lastIndexSeen ?? 0));
    return { cutFrom: this.recovery.last + 1, ...(seen > this.recovery.last ? { cutTo: seen } : {}) };
  }

  load<T = unknown>(key: string): T | undefined {
    return this.state.get(key) as T | undefined;
  }

  save(key: string, value: unknown): void {
    this.assertOpen();
    // Encoded now (state-files.ts): a core that later mutates its object cannot change what will be
    // written, and the bytes are made once (no structuredClone, then an encoding at sync).
    this.state.set(key, value);
  }

  remove(key: string): void {
    this.assertOpen();
    this.state.delete(key);
  }

  first(): number {
    return this.log.first();
  }

  last(): number {
    return this.log.last();
  }

  get<T = unknown>(i: number): T {
    return this.log.get<T>(i);
  }

  slice<T = unknown>(from: number, toExclusive: number): T[] {
    return this.log.slice<T>(from, toExclusive);
  }

  append(records: readonly unknown[]): void {
    this.assertOpen();
    for (const r of records) {
      // Encode now: the bytes are what the record was at append time. Kept beside the entry, so
      // the AppendEntries that carry it reuse them (record-cache.ts).
      const framed = framedRecordOf(r);
      this.pending.push(framed);
      this.pendingBytes += framed.length;
      this.log.push(r);
    }
    if (this.pendingBytes > this.maxPendingBytes) this.sync();
  }

  truncateFrom(i: number): void {
    this.assertOpen();
    assert(i >= this.first() && i <= this.last() + 1, () => `truncateFrom(${i}) outside [${this.first()}, ${this.last() + 1}]`);
    if (i > this.last()) return;
    const pendingStart = this.last() - this.pending.length + 1;
    if (i >= pendingStart) {
      for (const b of this.pending.splice(i - pendingStart)) this.pendingBytes -= b.length;
    } else {
      // The cut reaches records already on disk: remember the lowest position, apply at sync.
      this.pending = [];
      this.pendingBytes = 0;
      const k = i - this.first();
      const target = { segment: this.posSegment[k]!, offset: this.posOffset[k]! };
      const t = this.truncateTarget;
      if (t === null || target.segment < t.segment || (target.segment === t.segment && target.offset < t.offset)) {
        this.truncateTarget = target;
      }
      this.posSegment.length = k;
      this.posOffset.length = k;
      this.writtenLast = i - 1;
    }
    this.log.truncateFrom(i);
    this.checkPositions();
  }

  compactTo(i: number): void {
    this.assertOpen();
    if (i < this.first()) return;
    const pendingStart = this.last() - this.pending.length + 1;
    const drop = this.log.compactTo(i).length;
    const writtenDrop = Math.min(drop, this.posSegment.length);
    this.posSegment.splice(0, writtenDrop);
    this.posOffset.splice(0, writtenDrop);
    if (i >= pendingStart) {
      for (const b of this.pending.splice(0, Math.min(this.pending.length, i - pendingStart + 1))) this.pendingBytes -= b.length;
    }
    this.firstDirty = true;
    this.checkPositions();
  }

  sync(): void {
    this.assertOpen();
    this.stats.syncs++;
    // A state batch of syncAsync still running is finished first: its renames precede any newer
    // write of the same keys, and sync() promises everything durable.
    this.batches.finishSync();
    this.finishFirstOpSync();
    let logDirChanged = false;
    // 1. Named values, before the compaction point: a core saves what a compaction depends on (a
    //    snapshot, Raft's log base) in the same batch, and a crash between the two steps must leave
    //    them ahead of the log's start (the log then just holds more), never behind it (a gap:
    //    RaftLog would refuse to start; it finishes an interrupted compaction from its saved base).
    if (this.state.isDirty()) {
      this.state.flush();
      this.stats.fsyncs += 2; // at least one file + the directory
    }
    // 2. The compaction point, durable (rename + directory fsync) before any segment it
    //    obsoletes is deleted in step 4.
    if (this.firstDirty) {
      writeFileAtomicNoDirSync(this.logDir, FIRST_FILE, frameRecord(encode(this.log.first())));
      fsyncDir(this.logDir);
      this.stats.fsyncs += 2;
    }
    // 3a. Truncation recorded since the last sync: cut the target segment first, then delete
    //    the later ones. A crash in between leaves a gap that recovery cuts at, i.e. exactly
    //    the truncated log; the other order could resurrect a middle stretch of old records.
    if (this.truncateTarget !== null) {
      const { segment, offset } = this.truncateTarget;
      const at = this.segments.findIndex((x) => x.base === segment);
      const seg = this.segments[at];
      assert(seg !== undefined && offset <= seg.size, () => `truncate target segment ${segment} is not on disk`);
      truncateFile(join(this.logDir, segmentName(segment)), offset);
      this.stats.fsyncs++;
      seg.size = offset;
      while (this.segments.length > at + 1) {
        this.closeActive();
        unlinkSync(join(this.logDir, segmentName(this.segments.pop()!.base)));
        logDirChanged = true;
      }
      this.truncateTarget = null;
    }
    // 3b. Buffered appends, one write + one fsync per touched segment.
    if (this.pending.length > 0) logDirChanged = this.writePending() || logDirChanged;
    // 4. Segments made obsolete by the (now durable) compaction point.
    if (this.firstDirty) {
      this.dropObsoleteSegments(this.log.first(), false);
      this.firstDirty = false;
    }
    if (logDirChanged) {
      fsyncDir(this.logDir);
      this.stats.fsyncs++;
    }
    // What syncAsync wrote without an fsync is durable now too.
    this.fsyncActiveIfDirty();
    this.durableGen = this.writeGen;
    if (this.waiters.length > 0) this.scheduleRelease();
    this.checkPositions();
  }

  /**
   * Storage.syncAsync: makes every mutation so far durable without blocking the event loop on the
   * fsync when only appends to the active segment are pending; otherwise by sync(). `done` runs
   * from the event loop once durable (never inside this call), in call order.
   */
  syncAsync(done: () => void): void {
    this.assertOpen();
    if (this.onlyAppendsPending() && !(this.state.isDirty() && this.batches.busy())) {
      if (this.pending.length > 0) {
        this.writePending(false);
        this.writeGen++;
      }
      if (this.state.isDirty()) this.batches.stage(++this.writeGen);
      if (this.firstDirty) this.stageFirst();
    } else {
      this.sync();
    }
    this.waiters.push({ gen: this.writeGen, done });
    this.pump();
  }

  /**
   * True when the pending log mutations are appends that continue the active segment without
   * rolling it, and perhaps a compaction that leaves written records behind it while no other one
   * runs (changed state values aside: syncAsync stages them).
   */
  private onlyAppendsPending(): boolean {
    if (this.truncateTarget !== null) return false;
    if (this.firstDirty && (this.firstOp !== null || this.log.first() > this.writtenLast)) return false;
    if (this.pending.length === 0) return true;
    const seg = this.segments[this.segments.length - 1];
    const pendingStart = this.last() - this.pending.length + 1;
    return seg !== undefined && this.writtenLast + 1 === pendingStart && seg.size + this.pendingBytes <= this.segmentBytes;
  }

  /** Stages the compaction point for the asynchronous path (FirstOp). */
  private stageFirst(): void {
    this.firstDirty = false;
    this.writeGen++;
    const op: FirstOp = { value: this.log.first(), gen: this.writeGen, phase: 'wait' };
    this.firstOp = op;
    this.advanceFirst(op);
  }

  /** The next step of the asynchronous compaction, once no older state batch runs. */
  private advanceFirst(op: FirstOp): void {
    if (op.phase !== 'wait' || this.firstOp !== op) return;
    const older = this.batches.oldestGen();
    if (older !== undefined && older < op.gen) return; // the batches' done hook calls again
    op.phase = 'file';
    const fd = openSync(join(this.logDir, tmpName(FIRST_FILE)), 'w');
    try {
      writeAll(fd, frameRecord(encode(op.value)));
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    fsync(fd, (err) => {
      closeSync(fd);
      if (this.firstOp !== op || op.phase !== 'file') return; // finished by sync() meanwhile, or abandoned
      if (err) return this.failAsync(err);
      this.stats.fsyncs++;
      renameSync(join(this.logDir, tmpName(FIRST_FILE)), join(this.logDir, FIRST_FILE));
      op.phase = 'dir';
      const dirFd = openSync(this.logDir, 'r');
      fsync(dirFd, (err2) => {
        closeSync(dirFd);
        if (this.firstOp !== op || op.phase !== 'dir') return;
        if (err2) return this.failAsync(err2);
        this.stats.fsyncs++;
        op.phase = 'done';
        this.firstOp = null;
        // The active segment stays (deleting it would fsync it on this thread): sync() drops it later.
        this.dropObsoleteSegments(op.value, true);
        this.release();
        this.pump();
      });
    });
  }

  /** Finishes the running asynchronous compaction on this thread (sync(); state batches are finished before). */
  private finishFirstOpSync(): void {
    const op = this.firstOp;
    if (op === null) return;
    this.firstOp = null;
    if (op.phase !== 'dir') writeFileAtomicNoDirSync(this.logDir, FIRST_FILE, frameRecord(encode(op.value)));
    fsyncDir(this.logDir);
    this.stats.fsyncs += 2;
    op.phase = 'done';
    this.dropObsoleteSegments(op.value, false);
  }

  /** Deletes the segments whose every record precedes the durable compaction point `first` (the last one only if `keepLast` is false). */
  private dropObsoleteSegments(first: number, keepLast: boolean): void {
    while (this.segments.length > (keepLast ? 1 : 0)) {
      const s = this.segments[0]!;
      const end = (this.segments[1]?.base ?? this.writtenLast + 1) - 1;
      if (end >= first) break;
      if (this.segments.length === 1) this.closeActive();
      unlinkSync(join(this.logDir, segmentName(s.base)));
      this.segments.shift();
    }
  }

  /** A failed asynchronous fsync (log or state): see pump(). */
  private failAsync(err: NodeJS.ErrnoException): void {
    // Nobody waiting is told: what the fsync covered is never acknowledged.
    if (this.asyncFailure !== undefined) return this.asyncFailure(err);
    throw new Error(`fsync of the Raft storage failed (${err.code ?? err.message}): stopping rather than acknowledging`);
  }

  /**
   * Who hears of a failed asynchronous fsync: it runs on the thread pool, so no caller is on the
   * stack to catch it (src/hanode/storage-failure.ts stops the agent through this).
   */
  onAsyncFailure(handler: (err: NodeJS.ErrnoException) => void): void {
    this.asyncFailure = handler;
  }

  /** Starts the next group fsync on the thread pool when callers wait and none runs. */
  private pump(): void {
    if (this.fsyncing !== null || this.waiters.length === 0) return;
    if (this.durableGen < this.writeGen && !this.fdDirty) {
      // No log bytes wait for an fsync (none written since the last one, which returned): the
      // generations above durableGen are state batches and compactions, which batches and firstOp track.
      this.durableGen = this.writeGen;
    }
    if (this.durableGen >= this.writeGen) {
      this.scheduleRelease();
      return;
    }
    const fd = this.activeFd;
    assert(fd !== null && this.fdDirty, 'undurable writes are on the active segment');
    const gen = this.writeGen;
    this.fdDirty = false;
    this.fsyncing = { fd, gen };
    fdatasync(fd, (err) => {
      this.fsyncing = null;
      for (const f of this.closeAfterFsync.splice(0)) closeSync(f);
      if (this.closed && this.waiters.length === 0) return; // abandoned (a simulated crash): nobody to tell
      // A failed fsync may have dropped the pages it covered (PostgreSQL's "fsyncgate"): retrying
      // could report success for data that never reached the disk. Stop rather than acknowledge.
      if (err) return this.failAsync(err);
      this.stats.fsyncs++;
      if (gen > this.durableGen) this.durableGen = gen;
      this.release();
      this.pump();
    });
  }

  /** Tells the waiting callers whose writes are durable (log and state), oldest first. */
  private release(): void {
    // Batches are pushed in generation order: the first one still running bounds what is durable.
    const oldest = this.batches.oldestGen();
    let durable = oldest !== undefined ? Math.min(this.durableGen, oldest - 1) : this.durableGen;
    if (this.firstOp !== null) durable = Math.min(durable, this.firstOp.gen - 1);
    while (this.waiters.length > 0 && this.waiters[0]!.gen <= durable) this.waiters.shift()!.done();
  }

  /** release() on the next turn of the event loop (sync() may run inside a core: no re-entry). */
  private scheduleRelease(): void {
    if (this.releaseScheduled) return;
    this.releaseScheduled = true;
    setImmediate(() => {
      this.releaseScheduled = false;
      this.release();
    });
  }

  /**
   * fsyncs the active segment when it holds bytes not known durable: written since its last fsync,
   * or covered only by an asynchronous fsync still running (sync() must not return before them).
   */
  private fsyncActiveIfDirty(): void {
    if (this.activeFd === null || (!this.fdDirty && this.fsyncing?.fd !== this.activeFd)) return;
    fdatasyncSync(this.activeFd);
    this.stats.fsyncs++;
    this.fdDirty = false;
  }

  /** Syncs and releases the files. The storage is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.sync();
    this.closeActive();
    this.closed = true;
  }

  /** Drops every unsynced mutation and releases the files, as a process crash would (tests). */
  abandon(): void {
    // No fsync: a crashed process leaves what it wrote in the page cache, and fsyncs nothing more.
    this.fdDirty = false;
    this.waiters = [];
    this.batches.abandon();
    this.firstOp = null; // its callbacks find it gone: no rename; the temp file is removed at the next open
    this.closeActive();
    this.closed = true;
  }

  /**
   * Returns true when a segment was created (the directory needs an fsync). Without `fsyncNow`
   * (syncAsync) the bytes go to the page cache and the active segment is left dirty.
   */
  private writePending(fsyncNow = true): boolean {
    const pendingStart = this.last() - this.pending.length + 1;
    let created = false;
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || this.writtenLast + 1 !== pendingStart || seg.size >= this.segmentBytes) {
      seg = this.createSegment(pendingStart);
      created = true;
    }
    let chunk: Buffer[] = [];
    let index = pendingStart;
    for (const rec of this.pending) {
      if (seg.size + rec.length > this.segmentBytes && chunk.length > 0) {
        this.writeChunk(chunk, fsyncNow);
        chunk = [];
        seg = this.createSegment(index);
        created = true;
      }
      chunk.push(rec);
      this.posSegment.push(seg.base);
      this.posOffset.push(seg.size);
      seg.size += rec.length;
      index++;
    }
    this.writeChunk(chunk, fsyncNow);
    this.writtenLast = this.last();
    this.pending = [];
    this.pendingBytes = 0;
    return created;
  }

  private createSegment(base: number): Segment {
    this.closeActive();
    const header = segmentHeader(base);
    // O_APPEND (writes follow any ftruncate) + O_EXCL (never overwrite a segment).
    this.activeFd = openSync(join(this.logDir, segmentName(base)), 'ax');
    writeAll(this.activeFd, header);
    const seg = { base, size: header.length };
    this.segments.push(seg);
    return seg;
  }

  private writeChunk(chunk: Buffer[], fsyncNow = true): void {
    if (chunk.length === 0) return;
    if (this.activeFd === null) {
      this.activeFd = openSync(join(this.logDir, segmentName(this.segments[this.segments.length - 1]!.base)), 'a');
    }
    const buf = chunk.length === 1 ? chunk[0]! : Buffer.concat(chunk);
    writeAll(this.activeFd, buf);
    this.stats.bytesWritten += buf.length;
    if (fsyncNow) {
      fdatasyncSync(this.activeFd);
      this.stats.fsyncs++;
      this.fdDirty = false;
    } else {
      this.fdDirty = true;
    }
  }

  /** Closes the active segment, fsyncing what syncAsync left unsynced in it; an fd whose fsync runs closes when it returns. */
  private closeActive(): void {
    if (this.activeFd !== null) {
      this.fsyncActiveIfDirty();
      if (this.fsyncing?.fd === this.activeFd) this.closeAfterFsync.push(this.activeFd);
      else closeSync(this.activeFd);
      this.activeFd = null;
    }
  }

  private assertOpen(): void {
    assert(!this.closed, 'FileStorage used after close()');
  }

  /** Pair assertion of the in-memory bookkeeping: positions cover exactly the written live records. */
  private checkPositions(): void {
    const written = Math.max(0, this.writtenLast - this.log.first() + 1);
    assert(this.posSegment.length === written && this.posOffset.length === written, () => `positions ${this.posSegment.length} != written live records ${written}`);
    assert(this.pending.length <= this.log.size, 'more pending records than live records');
    assert(written + this.pending.length === this.log.size, () => `written ${written} + pending ${this.pending.length} != live ${this.log.size}`);
  }
}

function readFirst(path: string): number {
  if (!existsSync(path)) return 1;
  const buf = readFileSync(path);
  const r = readRecord(buf, 0);
  if (!r.ok) throw new CorruptStateError(path, r.reason);
  const first = decode(r.payload);
  if (!Number.isSafeInteger(first) || (first as number) < 1) throw new CorruptStateError(path, `bad compaction point ${String(first)}`);
  return first as number;
}
