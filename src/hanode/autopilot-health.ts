/**
 * /v1/operator/autopilot/health per server, as the Raft leader sees it (Consul's
 * OperatorHealthReply: Healthy, FailureTolerance, Servers[] with LastIndex, LastTerm,
 * LastContact, StableSince). Consul's autopilot calls a server healthy when serf sees it alive,
 * its LastTerm is the leader's and its LastIndex trails the leader's by at most MaxTrailingLogs
 * (Consul docs, "Autopilot" / agent/consul/autopilot). Here LastIndex is the follower's match
 * index in the leader's Progress, not the local store's index; two fields beyond Consul's shape
 * say why a server is not healthy: `Lag` (leader's last index minus LastIndex) and
 * `ReplicationState`:
 *  - `recovering`: the leader found the follower lost entries it had acknowledged (a wiped or
 *    cut disk, issue 15: Progress.lostLog) and has not repaired it up to its log of then;
 *  - `catching-up`: a snapshot transfer, a probe below the commit index, or more than
 *    MaxTrailingLogs behind;
 *  - `healthy`.
 * A server that is recovering or catching up is unhealthy, so FailureTolerance counts only
 * servers that could really stand in for a lost one. A follower answering (no leader view)
 * reports its own store index and marks itself unhealthy while it recovers (recovery.ts).
 */
import type { PeerStatus } from '../core/raft/index.ts';
import type { Backend, RaftProgressView } from './backend.ts';

export type ReplicationState = 'healthy' | 'catching-up' | 'recovering';

export interface ServerHealth {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly SerfStatus: string;
  readonly Version: string;
  readonly Leader: boolean;
  readonly LastContact: string;
  readonly LastTerm: number;
  readonly LastIndex: number;
  readonly Healthy: boolean;
  readonly Voter: boolean;
  readonly StableSince: string;
  readonly Lag: number;
  readonly ReplicationState: ReplicationState;
}

export interface HealthReply {
  readonly Healthy: boolean;
  readonly FailureTolerance: number;
  readonly Servers: readonly ServerHealth[];
}

/** How far a follower is from the leader's log, as the leader's Progress shows it. */
export function replicationState(p: PeerStatus, lead: Pick<RaftProgressView, 'lastIndex' | 'commitIndex'>, maxTrailingLogs: number): ReplicationState {
  if (p.repairing) return 'recovering';
  if (p.state === 'snapshot') return 'catching-up';
  if (lead.lastIndex - p.match > maxTrailingLogs) return 'catching-up';
  if (p.state === 'probe' && p.match < lead.commitIndex) return 'catching-up';
  return 'healthy';
}

export interface HealthInputs {
  readonly maxTrailingLogs: number;
  readonly lastContact: (id: string, leader: boolean) => string;
  readonly stableSince: (id: string, healthy: boolean) => string;
}

export function autopilotHealth(b: Backend, opts: HealthInputs): { status: number; json: HealthReply } {
  const alive = new Map(b.members().map((m) => [m.name, m.status] as const));
  const lead = b.raftProgress?.();
  const peers = new Map((lead?.peers ?? []).map((p) => [p.id, p] as const));
  const ownTerm = b.stats().raftTerm ?? 0;
  const servers = b.raftServers().map((s): ServerHealth => {
    const serf = alive.get(s.id) === 1 ? 'alive' : alive.get(s.id) === 3 ? 'left' : alive.has(s.id) ? 'failed' : 'none';
    let lastIndex: number;
    let state: ReplicationState;
    const p = peers.get(s.id);
    if (lead !== undefined && p !== undefined) {
      lastIndex = p.match;
      state = replicationState(p, lead, opts.maxTrailingLogs);
    } else if (lead !== undefined && s.id === b.nodeName) {
      lastIndex = lead.lastIndex;
      state = 'healthy';
    } else if (lead !== undefined) {
      lastIndex = 0; // a server our Progress does not hold yet
      state = 'catching-up';
    } else {
      // We do not lead (a ?stale read): our own store's index, and our own recovery.
      lastIndex = b.store.appliedIndex();
      state = s.id === b.nodeName && b.recovering?.() === true ? 'recovering' : 'healthy';
    }
    const healthy = serf === 'alive' && state === 'healthy';
    const leaderLast = lead?.lastIndex ?? lastIndex;
    return {
      ID: s.id,
      Name: s.id,
      Address: s.address,
      SerfStatus: serf,
      Version: '0.1.0',
      Leader: s.leader,
      LastContact: opts.lastContact(s.id, s.leader),
      LastTerm: lead?.term ?? ownTerm,
      LastIndex: lastIndex,
      Healthy: healthy,
      Voter: s.voter,
      StableSince: opts.stableSince(s.id, healthy),
      Lag: Math.max(0, leaderLast - lastIndex),
      ReplicationState: state,
    };
  });
  const voters = servers.filter((s) => s.Voter);
  const healthyVoters = voters.filter((s) => s.Healthy).length;
  const quorum = Math.floor(voters.length / 2) + 1;
  const tolerance = Math.max(0, healthyVoters - quorum);
  const healthy = servers.every((s) => s.Healthy) && b.leader() !== undefined;
  return { status: healthy ? 200 : 429, json: { Healthy: healthy, FailureTolerance: tolerance, Servers: servers } };
}
