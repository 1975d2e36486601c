/**
 * The example's checker: an acknowledged write is never lost. Every write the primary
 * acknowledged (trace `pb.ack` with its index and id) must not be replaced by another write at
 * that index in the log of any node that is up at the end of the run. (A node whose log is
 * shorter may just not have received it yet: the run can end while replication is in flight.)
 */
import type { AppChecker } from '../../src/api/index.ts'; // 'hasim' in your project
import type { PrimaryBackup } from './register.ts';

const ackedWritesSurvive: AppChecker<PrimaryBackup> = (run) => {
  const acks = run.events.filter((e) => e.kind === 'pb.ack');
  if (acks.length === 0) return { vacuous: 'no write was acknowledged' };
  for (const node of run.nodes) {
    const core = run.core(node);
    if (!core) continue; // down at the end
    const log = core.log();
    for (const a of acks) {
      const index = a.index as number;
      if (log.length >= index && log[index - 1] !== a.id) {
        return `write ${String(a.id)} acknowledged at ${(a.t / 1e6).toFixed(3)}s as index ${index} is lost: ${node} holds ${String(log[index - 1])} there (${acks.length} writes acknowledged)`;
      }
    }
  }
  return undefined;
};

export const checkers = { 'acked-writes-survive': ackedWritesSurvive };
