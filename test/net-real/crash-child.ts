// Run as a separate process by crash.test.ts: appends and syncs batches to the data dir in
// argv[2], printing the last synced index after every sync, until it is killed (bounded:
// 120 s or 200,000 records; the parent kills it long before on any machine).
import { DataDir } from '../../src/net-real/data-dir.ts';

const data = DataDir.open(process.argv[2]!);
const log = data.storage('log');
const t0 = performance.now();
while (log.last() < 200_000 && performance.now() - t0 < 120_000) {
  const from = log.last() + 1;
  log.append(Array.from({ length: 10 }, (_, k) => ({ i: from + k, pad: 'c'.repeat(40) })));
  log.save('hard', { last: log.last() });
  log.sync();
  process.stdout.write(`synced ${log.last()}\n`);
}
data.close();
