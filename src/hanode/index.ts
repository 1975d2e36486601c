/** hanode: the agent (ServerNode on a RealHost + the Consul-compatible HTTP API) and its client. */
export { Agent, AGENT_RAFT_DEFAULTS, DEV_RAFT_DEFAULTS, type AgentConfig, type AgentAddresses } from './agent.ts';
export { createApi, type ApiOptions } from './api.ts';
export type { Backend, MemberView, ProposeOutcome, RaftServerView } from './backend.ts';
export { NodeBackend } from './node-backend.ts';
export { HanodeClient, ApiError, memberStatus, table } from './client.ts';
export { startAgent, kill9, killAll, waitUntil, getJson, sleep, type Proc } from './launcher.ts';
export { readPeersJson, retirePeersJson, peersJsonPath, PEERS_JSON } from './peers-json.ts';
export { AgentCheckProbe } from './check-probe.ts';
export * from './http/index.ts';
export * from './ha/index.ts';
