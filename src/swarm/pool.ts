/**
 * Runs many seeds of one scenario on K worker threads (node:worker_threads). Seeds go out in
 * small batches on demand, so a slow seed does not leave the other workers idle. Results are
 * collected in seed order, so the summary does not depend on scheduling.
 */
import { Worker } from 'node:worker_threads';
import { assert } from '../core/env.ts';
import type { FromWorker, SeedOutcome, ToWorker, WorkerInit } from './protocol.ts';

// Compiled (dist/, no tsx loader): the worker body runs as it is. From the sources: worker.js
// registers tsx in the new thread first, then imports worker-main.ts.
const WORKER_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './worker.js' : './worker-main.js', import.meta.url);

export interface SwarmOptions {
  readonly file: string;
  readonly seeds: readonly number[];
  /** Worker threads (default 2: the machines this targets have two cores). */
  readonly workers?: number;
  readonly durationUs?: number;
  readonly onProgress?: (done: number, failed: number) => void;
}

export interface SwarmResult {
  readonly runs: number;
  readonly failed: number;
  readonly failingSeeds: readonly number[];
  /** Outcomes of failing seeds, in seed order. */
  readonly failures: readonly SeedOutcome[];
  readonly wallTimeMs: number;
  readonly workers: number;
  /** Sum over runs. */
  readonly events: number;
  readonly messages: number;
  readonly faults: Readonly<Record<string, number>>;
}

/** Bound on worker threads: more than a few per core only adds contention. */
export const MAX_WORKERS = 64;

export function runSwarm(opts: SwarmOptions): Promise<SwarmResult> {
  const workersN = Math.max(1, Math.min(MAX_WORKERS, opts.workers ?? 2, opts.seeds.length || 1));
  const batch = Math.max(1, Math.min(25, Math.ceil(opts.seeds.length / (workersN * 8))));
  const start = performance.now();
  const pending = [...opts.seeds];
  const outcomes = new Map<number, SeedOutcome>();
  let failed = 0;
  const init: WorkerInit = { file: opts.file, ...(opts.durationUs !== undefined ? { durationUs: opts.durationUs } : {}) };

  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let finished = 0;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      reject(e);
    };
    const sendMore = (w: Worker): boolean => {
      if (pending.length === 0) return false;
      const seeds = pending.splice(0, batch);
      w.postMessage({ type: 'run', seeds } satisfies ToWorker);
      return true;
    };
    const done = () => {
      if (settled) return;
      settled = true;
      const all = [...outcomes.values()].sort((a, b) => a.seed - b.seed);
      assert(all.length === opts.seeds.length, () => `swarm: ${all.length} outcomes for ${opts.seeds.length} seeds`);
      const failures = all.filter((o) => !o.passed);
      const faults: Record<string, number> = {};
      let events = 0;
      let messages = 0;
      for (const o of all) {
        events += o.events;
        messages += o.messages;
        for (const [k, n] of Object.entries(o.faults)) faults[k] = (faults[k] ?? 0) + n;
      }
      resolve({
        runs: all.length,
        failed: failures.length,
        failingSeeds: failures.map((o) => o.seed),
        failures,
        wallTimeMs: Math.round(performance.now() - start),
        workers: workersN,
        events,
        messages,
        faults,
      });
    };
    for (let i = 0; i < workersN; i++) {
      const w = new Worker(WORKER_ENTRY, { workerData: init });
      workers.push(w);
      w.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
          case 'batch-done':
            if (!sendMore(w)) {
              w.postMessage({ type: 'stop' } satisfies ToWorker);
            }
            break;
          case 'result':
            outcomes.set(m.outcome.seed, m.outcome);
            if (!m.outcome.passed) failed++;
            opts.onProgress?.(outcomes.size, failed);
            break;
          case 'error':
            fail(new Error(`swarm worker: ${m.message}`));
            break;
        }
      });
      w.on('error', (e) => fail(e));
      w.on('exit', () => {
        finished++;
        if (finished === workersN) {
          if (outcomes.size === opts.seeds.length) done();
          else fail(new Error(`swarm workers exited with ${opts.seeds.length - outcomes.size} seeds not run`));
        }
      });
    }
  });
}
