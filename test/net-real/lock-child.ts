// Run as a separate process by data-dir-lock.test.ts: tries to open the data dir in argv[2].
// Exit 0 when it got the lock, 3 (message on stderr) when it did not.
import { DataDir } from '../../src/net-real/data-dir.ts';

try {
  DataDir.open(process.argv[2]!).close();
  process.exit(0);
} catch (e) {
  console.error((e as Error).message);
  process.exit(3);
}
