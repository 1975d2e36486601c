/** Health-quorum failover: public surface. */
export type { Health, TargetKey, TargetConfig, CheckResult, HaEvent, FailoverGroup, ActiveChange } from './types.ts';
export { DEFAULT_HA_CONFIG, haConfig, detectionBoundUs, type HaConfig, type DetectionBound } from './config.ts';
export { parseUpDown, MAX_PROBE_OUTPUT_CHARS, type Probe, type ProbeHandle } from './probe.ts';
export { CheckScheduler, type ResultListener } from './check-scheduler.ts';
export { GossipDb, newerThan, type StoredResult, type MergeOutcome } from './gossip-db.ts';
export { QuorumDecider, majority, quorumSize, tally, type Tally, type Proposal } from './quorum.ts';
export { isHaCommand, type HaCommand, type HaCommandType, type HaApplyResult } from './commands.ts';
export { HaStateMachine, type HaSnapshot, type HaApplyListener } from './state.ts';
export { RecordingNotifier, type Notification, type NotificationAction } from './notify.ts';
export { HeartbeatObservers, type ObserverView } from './observers.ts';
export { DirectFanout, MAX_RESULTS_PER_MESSAGE, type ResultTransport, type HaResultsMessage } from './transport.ts';
export { HaService, type HaServiceDeps, type HaReplicator, type HaStatus } from './service.ts';
export { SwimTransport, SwimObservers, type SwimLike } from './swim-adapter.ts';
