/**
 * The end of a real run's fault phase: every fault undone so the cluster is healthy again
 * (every nft rule removed, paused agents resumed, killed agents restarted on their data dirs,
 * client nodes up), then a leader every agent agrees on is awaited. What the run reads back
 * afterwards (kv-workload.ts readBack) is read from this healed cluster.
 */
import type { ClientNodes } from './client-nodes.ts';
import type { RealCluster } from './cluster.ts';
import type { NftTable } from './nft.ts';

/** Time a healed cluster gets to agree on a leader (generous: a busy 2-core machine). */
const SETTLE_LEADER_LIMIT_MS = 90_000;

/** Undoes every fault in force; resolves with the leader, or throws when none is agreed on in time. */
export async function settleCluster(cluster: RealCluster, nft: NftTable | undefined, clients: ClientNodes, log: (line: string) => void): Promise<string> {
  nft?.setCuts([]);
  for (const c of clients.nodes) c.state = 'up';
  const restarted: string[] = [];
  for (const n of cluster.nodes) {
    if (n.state === 'paused') {
      cluster.resume(n);
      restarted.push(`${n.name} resumed`);
    } else if (n.state === 'down') {
      cluster.startNoWait(n);
      restarted.push(`${n.name} restarted`);
    }
  }
  log(`faults over: nft rules removed${restarted.length ? `, ${restarted.join(', ')}` : ''}; waiting for a leader`);
  const leader = await cluster.waitLeader(SETTLE_LEADER_LIMIT_MS);
  log(`healed: leader ${leader}`);
  return leader;
}
