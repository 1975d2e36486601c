/**
 * Autopilot health as the leader sees it (issue 15, point 4): a follower's LastIndex is its match
 * index, not the leader's store index; a follower the leader is repairing (it lost acknowledged
 * entries) or one far behind is unhealthy, and FailureTolerance counts only healthy voters.
 */
import { describe, expect, it } from 'vitest';
import type { PeerStatus } from '../../src/core/raft/index.ts';
import { autopilotHealth, replicationState } from '../../src/hanode/autopilot-health.ts';
import type { Backend, RaftProgressView } from '../../src/hanode/backend.ts';

function peer(id: string, match: number, more: Partial<PeerStatus> = {}): PeerStatus {
  return { id, voter: true, state: 'replicate', match, next: match + 1, inflight: 0, repairing: false, lastHeardUs: 0, ...more };
}

function backend(self: string, lead: RaftProgressView | undefined, opts: { applied?: number; recovering?: boolean } = {}): Backend {
  const ids = ['n1', 'n2', 'n3'];
  const leader = lead !== undefined ? self : 'n1';
  return {
    nodeName: self,
    store: { appliedIndex: () => opts.applied ?? 7 },
    members: () => ids.map((name) => ({ name, addr: '127.0.0.1', port: 1, status: 1, tags: {} })),
    raftServers: () => ids.map((id) => ({ id, address: `127.0.0.1:${id}`, leader: id === leader, voter: true })),
    raftProgress: () => lead,
    recovering: () => opts.recovering === true,
    leader: () => leader,
    stats: () => ({ raftTerm: 4 }),
  } as unknown as Backend;
}

const inputs = { maxTrailingLogs: 250, lastContact: () => '0s', stableSince: () => '2026-01-01T00:00:00.000Z' };

describe('autopilot health per server (leader view)', () => {
  it('all followers at the leader\'s log: healthy, tolerance 1 of 3', () => {
    const r = autopilotHealth(backend('n1', { term: 5, lastIndex: 40, commitIndex: 40, peers: [peer('n2', 40), peer('n3', 39)] }), inputs);
    expect(r.status).toBe(200);
    expect(r.json.FailureTolerance).toBe(1);
    const n3 = r.json.Servers.find((s) => s.ID === 'n3')!;
    expect(n3).toMatchObject({ LastIndex: 39, Lag: 1, LastTerm: 5, Healthy: true, ReplicationState: 'healthy' });
    expect(r.json.Servers.find((s) => s.ID === 'n1')).toMatchObject({ LastIndex: 40, Lag: 0, Leader: true, Healthy: true });
  });

  it('a follower being repaired is recovering, unhealthy, and the tolerance drops to 0', () => {
    const r = autopilotHealth(backend('n1', { term: 5, lastIndex: 40, commitIndex: 40, peers: [peer('n2', 40), peer('n3', 3, { state: 'probe', repairing: true })] }), inputs);
    expect(r.status).toBe(429);
    expect(r.json.Healthy).toBe(false);
    expect(r.json.FailureTolerance).toBe(0);
    expect(r.json.Servers.find((s) => s.ID === 'n3')).toMatchObject({ LastIndex: 3, Lag: 37, Healthy: false, ReplicationState: 'recovering' });
  });

  it('catching up: a snapshot transfer, a probe below commit, or more than MaxTrailingLogs behind', () => {
    const lead = { lastIndex: 1000, commitIndex: 1000 };
    expect(replicationState(peer('x', 0, { state: 'snapshot' }), lead, 250)).toBe('catching-up');
    expect(replicationState(peer('x', 990, { state: 'probe' }), lead, 250)).toBe('catching-up');
    expect(replicationState(peer('x', 749, {}), lead, 250)).toBe('catching-up');
    expect(replicationState(peer('x', 750, {}), lead, 250)).toBe('healthy');
    expect(replicationState(peer('x', 1000, { state: 'probe' }), lead, 250)).toBe('healthy');
  });

  it('a ?stale answer from a recovering follower marks itself unhealthy', () => {
    const r = autopilotHealth(backend('n2', undefined, { recovering: true, applied: 3 }), inputs);
    expect(r.json.Servers.find((s) => s.ID === 'n2')).toMatchObject({ LastIndex: 3, Healthy: false, ReplicationState: 'recovering' });
    expect(r.json.FailureTolerance).toBe(0);
    const ok = autopilotHealth(backend('n2', undefined, { recovering: false }), inputs);
    expect(ok.json.FailureTolerance).toBe(1);
  });
});
