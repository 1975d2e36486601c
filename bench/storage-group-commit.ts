// FileStorage append throughput: one fsync per record (sync() after every append) versus
// group commit (sync() once per batch of 64 appends), on the real disk under the OS temp dir
// (or the directory given as argv[2]). Prints appends/s of each and the ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../src/net-real/file-storage.ts';

const BATCH = 64;
/** Time budget per mode; counts are bounded too, so a very fast disk still ends. */
const BUDGET_MS = 3_000;
const MAX_RECORDS = 200_000;
const base = process.argv[2] ?? tmpdir();

interface Row {
  mode: string;
  records: number;
  syncs: number;
  fsyncs: number;
  seconds: number;
  perSec: number;
}

function entry(i: number): { term: number; index: number; cmd: string } {
  // ~100 bytes, the size of a small KV put in a Raft log.
  return { term: 7, index: i, cmd: `put /service/web/instance-${i % 1000} {"addr":"10.0.0.${i % 250}","port":8080}` };
}

function run(mode: string, batch: number, hardState = false): Row {
  const dir = mkdtempSync(join(base, 'hanode-bench-'));
  try {
    const s = FileStorage.open(dir);
    const t0 = performance.now();
    let n = 0;
    let lastReport = t0;
    while (n < MAX_RECORDS && performance.now() - t0 < BUDGET_MS) {
      for (let k = 0; k < batch; k++) s.append([entry(++n)]);
      // As Raft does when its term/vote/commit moved: one atomic state-file replace per batch.
      if (hardState) s.save('hardstate', { term: 7, vote: 'n1', commit: n });
      s.sync();
      const now = performance.now();
      if (now - lastReport > 1_000) {
        process.stderr.write(`  ${mode}: ${n} records...\n`);
        lastReport = now;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const row = { mode, records: n, syncs: s.stats.syncs, fsyncs: s.stats.fsyncs, seconds, perSec: n / seconds };
    s.close();
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.stderr.write(`storage group commit bench in ${base} (${BUDGET_MS / 1000} s per mode)\n`);
const rows = [run('fsync per record', 1), run(`group commit x${BATCH}`, BATCH), run(`x${BATCH} + hard state`, BATCH, true)];
console.log('mode                  records    syncs   fsyncs   seconds   appends/s');
for (const r of rows) {
  console.log(
    `${r.mode.padEnd(20)} ${String(r.records).padStart(8)} ${String(r.syncs).padStart(8)} ${String(r.fsyncs).padStart(8)} ${r.seconds.toFixed(2).padStart(9)} ${Math.round(r.perSec).toString().padStart(11)}`,
  );
}
console.log(`group commit / per-record fsync: ${(rows[1]!.perSec / rows[0]!.perSec).toFixed(1)}x`);
console.log(`group commit with a hard-state save per batch / without: ${(rows[2]!.perSec / rows[1]!.perSec).toFixed(2)}x`);
