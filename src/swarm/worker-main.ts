/**
 * The body of a swarm worker: loads the scenario once, then runs the seeds it is sent, one
 * result message per seed, and a batch-done after each batch (the main thread then sends
 * more: that balances load between workers when some seeds run longer than others).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenarioFile } from '../scenario/load.ts';
import { runScenario } from '../scenario/runner.ts';
import type { FromWorker, SeedOutcome, ToWorker, WorkerInit } from './protocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

try {
  const scenario = loadScenarioFile(init.file, init.durationUs !== undefined ? { durationUs: init.durationUs } : undefined);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') {
      port.close();
      return;
    }
    for (const seed of m.seeds) {
      try {
        const r = runScenario(scenario, { seed, verdictOnly: true });
        const outcome: SeedOutcome = {
          seed,
          passed: r.passed,
          traceHash: r.traceHash,
          failures: r.expectations.filter((v) => !v.passed).map((v) => ({ name: v.name, status: v.status, detail: v.detail })),
          events: r.stats.events,
          messages: r.stats.messages,
          wallTimeMs: r.stats.wallTimeMs,
          faults: r.faults,
        };
        post({ type: 'result', outcome });
      } catch (e) {
        // An exception outside the simulated cores (a harness bug): report it as this seed's failure.
        post({
          type: 'result',
          outcome: {
            seed,
            passed: false,
            traceHash: '',
            failures: [{ name: 'the run itself', status: 'fail', detail: e instanceof Error ? (e.stack ?? e.message) : String(e) }],
            events: 0,
            messages: 0,
            wallTimeMs: 0,
            faults: {},
          },
        });
      }
    }
    post({ type: 'batch-done' });
  });
  post({ type: 'ready' });
} catch (e) {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}
