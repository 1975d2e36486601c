/**
 * The log line an agent writes for each cut its storage made at start (docs/storage-faults.md).
 * A torn tail is what a crash mid-write leaves: a WARN. A cut that valid data followed means
 * synced records were damaged (media corruption): an ERROR naming the file, the offset and the
 * log indices lost, with the highest index this node acknowledged (its acked high-water mark,
 * src/core/raft/recovery.ts), so an operator knows what the peers must repair.
 */
import type { LogCut } from '../net-real/log-segments.ts';

export function describeCut(service: string, cut: LogCut, lastKept: number, ackedUpTo: number | undefined): string {
  if (cut.tail) return `[WARN] storage ${service}: cut ${JSON.stringify(cut)}`;
  const upTo = Math.max(cut.lastIndexSeen ?? 0, ackedUpTo ?? 0);
  const range = upTo > lastKept ? `${lastKept + 1}..${upTo}${cut.lastIndexSeen !== undefined ? '' : ' (as far as this node acknowledged; more may follow)'}` : `from ${lastKept + 1}`;
  return (
    `[ERROR] storage ${service}: synced records damaged (${cut.reason}) in ${cut.file} at offset ${cut.offset} (${cut.bytesCut} bytes cut); ` +
    `log indices ${range} lost on this node; it repairs them from its peers before it votes again`
  );
}
