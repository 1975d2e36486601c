/** Public surface of the coordination services (leases, sessions+locks, tree, catalog, blocking reads). */
export * from './config.ts';
export { leaseIdFromIndex, sessionIdFromIndex, zkSessionIdFromIndex } from './ids.ts';
export { LeaseTable, clampLeaseTtl, type LeaseRecord, type LeaseSnapshot } from './leases.ts';
export { SessionTable, type SessionBehavior, type SessionCreateInput, type SessionRecord, type SessionSnapshot, type CheckLookup } from './sessions.ts';
export { Catalog, type CatalogNode, type CatalogSnapshot, type HealthEntry, type ServiceInput, type ServiceRecord } from './catalog.ts';
export type { CheckDefinition, CheckInput, CheckRecord, CheckStatus, Probe, ProbeSpec } from './checks.ts';
export { Deadlines, padForDrift } from './deadlines.ts';
export { LeaderDriver, type LeaderOnly } from './leader-driver.ts';
export { LeaseDriver, type LeaseTimeToLive } from './lease-driver.ts';
export { SessionDriver } from './session-driver.ts';
export { CatalogDriver } from './catalog-driver.ts';
export { ProbeRunner } from './probe-runner.ts';
export { BlockingHub } from './blocking.ts';
export type { RpcOp, RpcResult, RpcMessage } from './rpc-protocol.ts';
export { CoordRpcServer } from './rpc-server.ts';
export { CoordRpcClient, type RpcClientOptions } from './rpc-client.ts';
export { CoordNode, type CoordEnvs, type CoordNodeOptions } from './node.ts';
export * as tree from './tree/index.ts';
