/**
 * Named state values (hard state, snapshot metadata, ...) of one FileStorage: one file per
 * key in `dir`, each a single checksummed record, replaced atomically
 * (temp + fsync + rename, then one fsync of the directory per batch).
 * Values are kept in memory as their framed records, encoded once when set (the encoding is the
 * copy that protects them from later changes of the caller's object, and the bytes written at
 * sync()); get() decodes a fresh copy. They are small by contract, except a Raft snapshot.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { assert } from '../core/env.ts';
import { decode, encode } from './codec.ts';
import { fsyncDir, TMP_PREFIX, tmpName, writeAll, writeFileAtomicNoDirSync } from './fs-util.ts';
import { frameRecord, readRecord, RECORD_HEADER_BYTES } from './record-format.ts';

const KEY_PREFIX = 'k-';
const EMPTY = Buffer.alloc(0);

/** Bijective, readable file name for a key: [A-Za-z0-9_.-] kept, every other UTF-8 byte %HH. */
export function keyFileName(key: string): string {
  let out = KEY_PREFIX;
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.-]/.test(c) ? c : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function keyFromFileName(name: string): string {
  assert(name.startsWith(KEY_PREFIX), () => `not a key file: ${name}`);
  return decodeURIComponent(name.slice(KEY_PREFIX.length));
}

export class CorruptStateError extends Error {
  constructor(file: string, reason: string) {
    super(`state file ${file} is corrupt (${reason}); it was written atomically, so this is media corruption: restore the node from its peers`);
    this.name = 'CorruptStateError';
  }
}

export class StateFiles {
  /** Each value's framed record (record-format.ts). */
  private readonly values = new Map<string, Buffer>();
  /** Keys changed since the last flush; value undefined in `values` and absent = remove. */
  private readonly dirty = new Set<string>();

  constructor(private readonly dir: string) {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(TMP_PREFIX)) {
        unlinkSync(join(dir, name)); // an interrupted atomic write: the target still holds the old value
      } else if (name.startsWith(KEY_PREFIX)) {
        this.values.set(keyFromFileName(name), readValueFile(join(dir, name)));
      }
    }
  }

  /** Number of named values held. */
  size(): number {
    return this.values.size;
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** A fresh decoded copy of the value. */
  get(key: string): unknown {
    const b = this.values.get(key);
    return b === undefined ? undefined : decode(b.subarray(RECORD_HEADER_BYTES));
  }

  set(key: string, value: unknown): void {
    this.values.set(key, frameRecord(encode(value)));
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (!this.values.has(key)) return;
    this.values.delete(key);
    this.dirty.add(key);
  }

  isDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** Whether a changed key is one of `keys`. */
  dirtyAmong(keys: ReadonlySet<string>): boolean {
    for (const k of this.dirty) if (keys.has(k)) return true;
    return false;
  }

  /** Writes every changed key atomically, then one directory fsync makes the renames durable. */
  flush(): void {
    if (this.dirty.size === 0) return;
    for (const key of this.dirty) {
      const name = keyFileName(key);
      if (this.values.has(key)) {
        writeFileAtomicNoDirSync(this.dir, name, this.values.get(key)!);
      } else if (existsSync(join(this.dir, name))) {
        unlinkSync(join(this.dir, name));
      }
    }
    fsyncDir(this.dir);
    this.dirty.clear();
  }

  /**
   * The first half of an asynchronous flush: every changed key's value goes to its temp file (page
   * cache, no fsync) and the keys count as clean. Until commitStaged renames them (after the
   * owner fsynced the fds) a crash keeps the old values, which is what an unsynced change may do.
   * Batches staged at once must not share a key: the temp names are per key. A record of
   * `writeLaterFrom` bytes or more is left for the owner to write (`written` 0: in chunks, off the
   * event loop); the others are written here.
   */
  stage(writeLaterFrom = Infinity): StagedFile[] {
    const out: StagedFile[] = [];
    for (const key of this.dirty) {
      const name = keyFileName(key);
      if (!this.values.has(key)) {
        out.push({ key, name, fd: null, closed: true, data: EMPTY, written: 0 });
        continue;
      }
      const data = this.values.get(key)!;
      const fd = openSync(join(this.dir, tmpName(name)), 'w');
      let written = 0;
      if (data.length < writeLaterFrom) {
        try {
          writeAll(fd, data);
        } catch (e) {
          closeSync(fd);
          throw e;
        }
        written = data.length;
      }
      out.push({ key, name, fd, closed: false, data, written });
    }
    this.dirty.clear();
    return out;
  }

  /** Renames (or removes) a staged batch whose temp files are fsynced and closed; the owner fsyncs the directory next. */
  commitStaged(files: readonly StagedFile[]): void {
    for (const f of files) {
      assert(f.closed, 'staged temp files are fsynced and closed before the rename');
      if (f.fd !== null) renameSync(join(this.dir, tmpName(f.name)), join(this.dir, f.name));
      else if (existsSync(join(this.dir, f.name))) unlinkSync(join(this.dir, f.name));
    }
  }

  /** The directory, for the owner's fsync of a committed batch. */
  path(): string {
    return this.dir;
  }
}

/**
 * One changed key of a staged flush (StateFiles.stage): its new value written to a temp file not
 * yet fsynced (`fd` open), or its removal (`fd` null). The owner fsyncs the fds (off the event
 * loop), then commitStaged renames, then one directory fsync makes the batch durable.
 */
export interface StagedFile {
  readonly key: string;
  readonly name: string;
  /** Temp file holding the new value, open until the owner closes it; null: the key was removed. */
  readonly fd: number | null;
  /** The owner closed `fd` (after its fsync). */
  closed: boolean;
  /** The framed record the temp file must hold (empty for a removal). */
  readonly data: Buffer;
  /** Bytes of `data` written to the temp file so far (from its start). */
  written: number;
}

/** The file's record, checked: its checksum, no trailing bytes, and a payload that decodes. */
function readValueFile(path: string): Buffer {
  const buf = readFileSync(path);
  const r = readRecord(buf, 0);
  if (!r.ok) throw new CorruptStateError(path, r.reason);
  if (r.next !== buf.length) throw new CorruptStateError(path, 'trailing bytes');
  decode(r.payload);
  return buf;
}
