/** Scenarios: YAML loading and validation, the module framework, and the runner. */
export { ScenarioError } from './errors.ts';
export { loadScenarioFile, parseScenario, MAX_DURATION_US } from './load.ts';
export { runScenario, prepareRun, NO_BROKEN_INVARIANT, type RunOptions, type PreparedRun } from './runner.ts';
export { MODULES, moduleNamed, moduleOwning } from './modules/index.ts';
export { faultToYaml, parseFault, FAULT_KINDS } from './faults.ts';
export { faultFromEvent, describeFaultEvent } from './fault-events.ts';
export { TopologyIndex } from './topology.ts';
export { parseDuration, formatDuration, humanDuration, parseLatency, formatLatency, parseRatePerSec, parseRatio } from './units.ts';
export { View } from './yaml-view.ts';
export type * from './types.ts';
export { checkDeterminism, firstDivergence, type DeterminismReport } from './determinism.ts';
export { scenarioWithFaults } from './write.ts';
