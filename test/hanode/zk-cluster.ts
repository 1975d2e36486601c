/**
 * Three hanode processes with the ZooKeeper listener on (`--zk 127.0.0.1:0`), started through
 * the shared launcher (src/hanode/launcher.ts) like every real-process test, bootstrapped
 * with bootstrap_expect 3. Ready once every node knows the leader.
 */
import { join } from 'node:path';
import { getJson, startAgent, waitUntil, type Proc } from '../../src/hanode/launcher.ts';

export async function startZkCluster(root: string, extraArgs: readonly string[] = []): Promise<Proc[]> {
  const args = ['--bootstrap-expect', '3', '--zk', '127.0.0.1:0', ...extraArgs];
  const n1 = await startAgent('n1', join(root, 'n1'), [...args, '--join', '127.0.0.1:1']);
  const rest = await Promise.all(['n2', 'n3'].map((n) => startAgent(n, join(root, n), [...args, '--join', n1.serf])));
  const nodes = [n1, ...rest];
  await waitUntil(() => nodes.every((p) => p.zk !== ''), 'the ZooKeeper listeners');
  await waitUntil(
    async () => {
      for (const p of nodes) {
        const r = await getJson(p.http, '/v1/status/leader');
        if (typeof r.body !== 'string' || r.body === '') return false;
      }
      return true;
    },
    'a leader known to every node',
  );
  return nodes;
}
