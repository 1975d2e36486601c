// FileStorage recovery speed: how long opening a data dir takes (scan, checksum and decode
// every record) for logs of growing length, and the cost of a torn tail cut on open.
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../src/net-real/file-storage.ts';

const SIZES = [10_000, 100_000, 300_000];
const base = process.argv[2] ?? tmpdir();

function entry(i: number): { term: number; index: number; cmd: string } {
  return { term: 7, index: i, cmd: `put /service/web/instance-${i % 1000} {"addr":"10.0.0.${i % 250}","port":8080}` };
}

console.log('records   segments    MB   open ms   records/s   open with torn tail ms   cut bytes');
for (const n of SIZES) {
  process.stderr.write(`  writing ${n} records...\n`);
  const dir = mkdtempSync(join(base, 'hanode-recov-'));
  try {
    const w = FileStorage.open(dir, { segmentBytes: 8_000_000 });
    for (let i = 1; i <= n; i += 1000) {
      const batch = [];
      for (let k = i; k < i + 1000 && k <= n; k++) batch.push(entry(k));
      w.append(batch);
      w.sync();
    }
    const mb = w.stats.bytesWritten / 1e6;
    w.close();
    const segs = readdirSync(join(dir, 'log')).filter((f) => f.endsWith('.seg')).sort();
    let t0 = performance.now();
    const r = FileStorage.open(dir, { segmentBytes: 8_000_000 });
    const openMs = performance.now() - t0;
    if (r.last() !== n) throw new Error(`recovered ${r.last()} of ${n}`);
    r.abandon();
    appendFileSync(join(dir, 'log', segs[segs.length - 1]!), Buffer.from([200, 0, 0, 0, 1, 2, 3])); // torn record
    t0 = performance.now();
    const t = FileStorage.open(dir, { segmentBytes: 8_000_000 });
    const tornMs = performance.now() - t0;
    if (t.last() !== n || t.recovery.cuts.length !== 1) throw new Error('torn tail not cut');
    const cut = t.recovery.cuts[0]!.bytesCut;
    t.abandon();
    console.log(
      `${String(n).padStart(7)} ${String(segs.length).padStart(10)} ${mb.toFixed(1).padStart(5)} ${openMs.toFixed(0).padStart(9)} ${Math.round(n / (openMs / 1000)).toString().padStart(11)} ${tornMs.toFixed(0).padStart(24)} ${String(cut).padStart(11)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
