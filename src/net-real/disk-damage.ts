/**
 * Damage to a STOPPED agent's data dir, as docs/storage-faults.md describes the storage faults
 * on real processes: one flipped byte in the middle of the newest Raft log segment (media
 * corruption of synced records), a torn tail (the newest segment loses its last bytes, as a
 * crash mid-write leaves it), the log directory deleted, or the whole data dir wiped. Used by
 * the real-process storage tests (test/hanode/storage-damage.test.ts) and by `hasim run --real`
 * (src/real-run/faults.ts) between a kill and the restart. Never call it on a running agent.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { truncateFile } from './log-segments.ts';

/** Bytes a torn tail loses (at most half the segment): less than one record of any size we write. */
const TORN_TAIL_BYTES = 64;

function newestSegment(dataDir: string): string | undefined {
  const dir = join(dataDir, 'raft', 'log');
  if (!existsSync(dir)) return undefined;
  const segs = readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
  return segs.length > 0 ? join(dir, segs.at(-1)!) : undefined;
}

/** Flips one byte in the middle of the newest Raft log segment; returns the file, or undefined when there is none. */
export function flipMidSegment(dataDir: string): string | undefined {
  const seg = newestSegment(dataDir);
  if (seg === undefined) return undefined;
  const bytes = readFileSync(seg);
  if (bytes.length === 0) return undefined;
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  writeFileSync(seg, bytes);
  return seg;
}

/** Cuts the newest segment's last bytes (a torn write); returns the file, or undefined when there is none. */
export function tearSegmentTail(dataDir: string): string | undefined {
  const seg = newestSegment(dataDir);
  if (seg === undefined) return undefined;
  const size = statSync(seg).size;
  if (size === 0) return undefined;
  truncateFile(seg, size - Math.min(TORN_TAIL_BYTES, Math.ceil(size / 2)));
  return seg;
}

/** Deletes the Raft log directory. */
export function removeLogDir(dataDir: string): void {
  rmSync(join(dataDir, 'raft', 'log'), { recursive: true, force: true });
}

/** Empties the data dir (every service's files; the dir itself stays). */
export function wipeDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  for (const f of readdirSync(dataDir)) rmSync(join(dataDir, f), { recursive: true, force: true });
}
