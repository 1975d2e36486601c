/** Messages between the swarm's main thread and its workers (structured-clone plain objects). */

export interface WorkerInit {
  readonly file: string;
  readonly durationUs?: number;
}

/** Main → worker: run these seeds; or stop. */
export type ToWorker = { readonly type: 'run'; readonly seeds: readonly number[] } | { readonly type: 'stop' };

/** One seed's outcome, small enough to send thousands. */
export interface SeedOutcome {
  readonly seed: number;
  readonly passed: boolean;
  readonly traceHash: string;
  /** Names of the expectations that did not pass, with their status. */
  readonly failures: readonly { readonly name: string; readonly status: string; readonly detail: string }[];
  readonly events: number;
  readonly messages: number;
  readonly wallTimeMs: number;
  readonly faults: Readonly<Record<string, number>>;
}

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly outcome: SeedOutcome }
  | { readonly type: 'batch-done' }
  | { readonly type: 'error'; readonly message: string };
