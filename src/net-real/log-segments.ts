/**
 * The log's files: segments named by the index of their first record, each
 *   [segment header record: msgpack { magic, base }][record][record]...
 * with every record framed by record-format.ts. Segments roll at a size bound, so
 * compaction deletes whole files and recovery reads one bounded file at a time.
 *
 * Recovery (scanSegments) trusts nothing past the first failure: the first short, torn or
 * checksum-failing record and everything after it (the rest of that file and every later
 * segment) is cut from disk and reported, never replayed.
 */
import { closeSync, ftruncateSync, fsyncSync, openSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from './codec.ts';
import { TMP_PREFIX } from './fs-util.ts';
import { frameRecord, readRecord, RECORD_HEADER_BYTES } from './record-format.ts';

const MAGIC = 'hanode-log-v1';
const SUFFIX = '.seg';

export function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}${SUFFIX}`;
}

export function segmentHeader(base: number): Buffer {
  return frameRecord(encode({ magic: MAGIC, base }));
}

/** What recovery removed from disk, for the operator and the tests. */
export interface LogCut {
  readonly file: string;
  /** Byte offset of the first bad byte range; the file now ends there (0 when deleted). */
  readonly offset: number;
  readonly bytesCut: number;
  readonly reason: string;
  /**
   * true when nothing valid followed the cut: what a crash mid-write leaves. false when valid
   * records or later segments followed: synced data was damaged (media corruption, a bug),
   * which an operator should hear about louder than a torn tail.
   */
  readonly tail: boolean;
  /**
   * A cut of a bad record that valid data followed: the highest log index among the readable
   * records past it (in this segment, when the bad record's length field is intact, and in later
   * segments), i.e. how far the log reached at least before the damage (docs/storage-faults.md).
   */
  readonly lastIndexSeen?: number;
}

export interface ScannedRecord {
  readonly index: number;
  readonly segmentBase: number;
  readonly offset: number;
  readonly value: unknown;
}

export interface ScannedSegment {
  readonly base: number;
  /** Bytes of valid data (header + valid records). */
  readonly size: number;
  /** Number of valid records. */
  readonly count: number;
}

export interface ScanResult {
  readonly segments: ScannedSegment[];
  /** Valid records with index >= first, in order, consecutive from `first`. */
  readonly records: ScannedRecord[];
  readonly cuts: LogCut[];
  /** Segments whose records all lie below `first` (obsolete after a compaction); deleted. */
  readonly obsoleteDeleted: string[];
}

/**
 * Scans (and repairs) the segments in dir. `first` is the durable compaction point:
 * records below it are obsolete. Performs the cuts on disk (ftruncate + fsync, unlink).
 */
export function scanSegments(dir: string, first: number): ScanResult {
  const names = readdirSync(dir).filter((n) => n.endsWith(SUFFIX) && !n.startsWith(TMP_PREFIX)).sort();
  const segments: ScannedSegment[] = [];
  const records: ScannedRecord[] = [];
  const cuts: LogCut[] = [];
  let next: number | null = null; // index the next segment must start at
  let cutRest = false;
  for (let n = 0; n < names.length; n++) {
    const name = names[n]!;
    const laterSegments = n < names.length - 1;
    const path = join(dir, name);
    if (cutRest) {
      cuts.push(deleteWhole(path, 'after an earlier cut', false));
      continue;
    }
    const buf = readFileSync(path);
    const head = readRecord(buf, 0);
    const header = head.ok ? safeDecode(head.payload) : undefined;
    const base = isHeader(header) ? header.base : undefined;
    if (!head.ok || base === undefined || segmentName(base) !== name) {
      cuts.push(deleteWhole(path, head.ok ? 'bad segment header' : `segment header: ${head.reason}`, !laterSegments && buf.length <= (head.ok ? head.next : buf.length)));
      cutRest = true;
      continue;
    }
    // Contiguity: a segment starts where the previous ended, except across a compaction
    // beyond the log's end (everything before `first` is obsolete, so a gap there is fine).
    const expected: number = next ?? base;
    const gapBelowFirst = base > expected && base <= first;
    if ((base !== expected && !gapBelowFirst) || (next === null && base > first)) {
      cuts.push(deleteWhole(path, `gap: segment starts at ${base}, expected ${next === null ? `<= ${first}` : expected}`, false));
      cutRest = true;
      continue;
    }
    let offset = head.next;
    let count = 0;
    while (offset < buf.length) {
      const r = readRecord(buf, offset);
      let value: unknown;
      let reason: string | undefined = r.ok ? undefined : r.reason;
      if (r.ok) {
        try {
          value = decode(r.payload);
        } catch (e) {
          reason = `undecodable: ${(e as Error).message}`;
        }
      }
      if (reason !== undefined || !r.ok) {
        const tail = !laterSegments && !validRecordFollows(buf, offset);
        const seen = tail ? undefined : lastIndexSeen(buf, offset, base + count, names.slice(n + 1).map((x) => join(dir, x)));
        const cut = cutTail(path, offset, buf.length - offset, reason ?? 'bad record', tail);
        cuts.push(seen === undefined ? cut : { ...cut, lastIndexSeen: seen });
        cutRest = true;
        break;
      }
      const index = base + count;
      if (index >= first) records.push({ index, segmentBase: base, offset, value });
      count++;
      offset = r.next;
    }
    segments.push({ base, size: offset, count });
    next = base + count;
  }
  // Segments whose records all precede `first` are obsolete (a compaction whose deletions
  // did not finish before a crash, or a compaction beyond the log's end).
  const obsoleteDeleted: string[] = [];
  const kept: ScannedSegment[] = [];
  for (const seg of segments) {
    if (seg.base + seg.count - 1 < first) {
      unlinkSync(join(dir, segmentName(seg.base)));
      obsoleteDeleted.push(segmentName(seg.base));
    } else {
      kept.push(seg);
    }
  }
  return { segments: kept, records, cuts, obsoleteDeleted };
}

function isHeader(h: unknown): h is { magic: string; base: number } {
  const o = h as { magic?: unknown; base?: unknown } | undefined;
  return typeof o === 'object' && o !== null && o.magic === MAGIC && Number.isSafeInteger(o.base) && (o.base as number) >= 1;
}

function safeDecode(b: Buffer): unknown {
  try {
    return decode(b);
  } catch {
    return undefined;
  }
}

function deleteWhole(path: string, reason: string, tail: boolean): LogCut {
  const size = readFileSync(path).length;
  unlinkSync(path);
  return { file: path, offset: 0, bytesCut: size, reason, tail };
}

/** Cuts a file at offset, durably. */
function cutTail(path: string, offset: number, bytesCut: number, reason: string, tail: boolean): LogCut {
  truncateFile(path, offset);
  return { file: path, offset, bytesCut, reason, tail };
}

/**
 * The highest index among the valid records after the bad record at `offset` (index `index`),
 * going by its length field, and in the later segments (read before they are deleted).
 */
function lastIndexSeen(buf: Buffer, offset: number, index: number, laterPaths: readonly string[]): number {
  let last = index;
  if (buf.length - offset >= RECORD_HEADER_BYTES) {
    let at = offset + RECORD_HEADER_BYTES + buf.readUInt32LE(offset);
    for (let i = index + 1; at < buf.length; i++) {
      const r = readRecord(buf, at);
      if (!r.ok) break;
      last = i;
      at = r.next;
    }
  }
  for (const p of laterPaths) {
    const b = readFileSync(p);
    const head = readRecord(b, 0);
    const header = head.ok ? safeDecode(head.payload) : undefined;
    if (!head.ok || !isHeader(header)) continue;
    let at = head.next;
    let count = 0;
    while (at < b.length) {
      const r = readRecord(b, at);
      if (!r.ok) break;
      count++;
      at = r.next;
    }
    if (count > 0) last = Math.max(last, header.base + count - 1);
  }
  return last;
}

/** Whether a valid record starts right after the (bad) record at offset, going by its length field. */
function validRecordFollows(buf: Buffer, offset: number): boolean {
  if (buf.length - offset < RECORD_HEADER_BYTES) return false;
  const next = offset + RECORD_HEADER_BYTES + buf.readUInt32LE(offset);
  return next < buf.length && readRecord(buf, next).ok;
}

export function truncateFile(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
