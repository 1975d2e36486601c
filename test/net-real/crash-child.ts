// Run as a separate process by crash.test.ts: appends and syncs batches to the data dir in
// argv[2], printing the last synced index after every sync, until it is killed (bounded:
// 120 s or 200,000 records; the parent kills it long before on any machine). With argv[3]
// 'async' it syncs with syncAsync, a few batches in flight, printing from the completions.
import { DataDir } from '../../src/net-real/data-dir.ts';

const data = DataDir.open(process.argv[2]!);
const log = data.storage('log');
const t0 = performance.now();
const more = () => log.last() < 200_000 && performance.now() - t0 < 120_000;
const batch = () => {
  const from = log.last() + 1;
  log.append(Array.from({ length: 10 }, (_, k) => ({ i: from + k, pad: 'c'.repeat(40) })));
};
if (process.argv[3] === 'async') {
  log.save('hard', { last: 0 });
  log.sync();
  let inflight = 0;
  const pump = (): void => {
    while (inflight < 4 && more()) {
      batch();
      const upTo = log.last();
      inflight++;
      log.syncAsync!(() => {
        inflight--;
        process.stdout.write(`synced ${upTo}\n`);
        pump();
      });
    }
    if (inflight === 0) data.close();
  };
  pump();
} else {
  while (more()) {
    batch();
    log.save('hard', { last: log.last() });
    log.sync();
    process.stdout.write(`synced ${log.last()}\n`);
  }
  data.close();
}
