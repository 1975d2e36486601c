/**
 * hasim's public library surface (`import ... from 'hasim'`). Everything else under src/ is
 * internal and may change without notice. See docs/your-own-protocol.md.
 *
 * - the contract a core is written against: {@link Env}, {@link Core} and their parts;
 * - the contract of a user's scenario module (`app:` section): {@link AppModule},
 *   {@link AppChecker};
 * - running scenarios from code: {@link loadScenarioFile}, {@link runScenario},
 *   {@link checkDeterminism};
 * - the client history recorder and the key-value linearizability checker.
 */

/** The interface every core runs on (time, messages, storage, randomness, trace), and `assert`. */
export {
  assert,
  InvariantError,
  ms,
  sec,
  US_PER_MS,
  US_PER_SEC,
  type Core,
  type Env,
  type Message,
  type Micros,
  type NodeId,
  type Random,
  type SendOptions,
  type Storage,
  type Timer,
  type TraceFields,
} from '../core/env.ts';

/** What a user module exports for an `app:` section, and what its checkers see. */
export type { AppChecker, AppCheckersModule, AppModule, AppNodeInfo, AppRunView } from '../scenario/modules/user-module.ts';

/** Scenarios from code: load a YAML file (ScenarioError on bad input), run one seed, check determinism. */
export { loadScenarioFile, parseScenario } from '../scenario/load.ts';
export { runScenario, type RunOptions } from '../scenario/runner.ts';
export { checkDeterminism, type DeterminismReport } from '../scenario/determinism.ts';
export { ScenarioError } from '../scenario/errors.ts';
export type { RunResult, Scenario, TimelineItem, Verdict } from '../scenario/types.ts';
export type { TraceEvent } from '../sim/types.ts';

/** Client histories (Jepsen-style invoke/ok/fail/info events) and the linearizability checker for key-value registers. */
export { HistoryRecorder, pairOperations, type HistoryEvent, type Operation } from '../sim/history.ts';
export { checkLinearizability, describeLinearizability, type LinearizabilityResult } from '../sim/checkers/linearizability/check.ts';
