/**
 * Replication and storage-repair figures for /v1/agent/metrics (issue 15, point 4):
 *  - on the leader, per follower (label `peer`): its lag behind the leader's log (last index
 *    minus match index) and 1 while the leader repairs it after it lost acknowledged entries;
 *  - on every node: 1 while it recovers from storage damage (src/core/raft/recovery.ts), the
 *    records its storage cut for damage at start, and how many of them peers have repaired.
 */
import type { RaftStatus } from '../core/raft/index.ts';

export interface RaftMetricsSource {
  status(): RaftStatus;
  recovering(): boolean;
  storageRepair(): { readonly cut: number; readonly repaired: number };
}

type Emit = (name: string, help: string, value: number, labels?: Readonly<Record<string, string>>) => void;

export function raftReplicationMetrics(raft: RaftMetricsSource | undefined, gauge: Emit, counter: Emit): void {
  if (raft === undefined) return;
  const st = raft.status();
  for (const p of st.peers) {
    gauge('hanode.raft.replication.lag', 'Entries a follower trails the leader\'s log by (leader only).', Math.max(0, st.lastIndex - p.match), { peer: p.id });
    gauge('hanode.raft.replication.repairing', '1 while the leader repairs a follower that lost entries it had acknowledged.', p.repairing ? 1 : 0, { peer: p.id });
  }
  const r = raft.storageRepair();
  gauge('hanode.raft.storage.recovering', '1 while this node recovers from storage damage: no votes, no local reads.', raft.recovering() ? 1 : 0);
  counter('hanode.raft.storage.records_cut', 'Log records cut at start for damage (not a torn tail).', r.cut);
  counter('hanode.raft.storage.records_repaired', 'Of the records cut for damage, those peers have replaced since.', r.repaired);
}
