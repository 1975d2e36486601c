/** The readable summary of a swarm report (one machine, one shard, or merged shards). */
import type { SwarmReport } from '../../swarm/shard.ts';

/** Failing seeds listed in full; beyond that, --json has them all. */
const SHOWN = 50;

export function formatSwarmText(r: SwarmReport): string {
  const out: string[] = [];
  const where = r.shards !== undefined ? `${r.shards} shard(s) merged` : `${r.stats.workers} workers in ${(r.stats.wallTimeMs / 1000).toFixed(1)}s`;
  const which = r.shard ? ` · shard ${r.shard.index}/${r.shard.count} (seeds ${r.shard.seeds} of ${r.shard.swarmSeeds})` : '';
  out.push(`hasim swarm · ${r.scenario}${which} · ${r.runs} runs on ${where} · ${r.failed} failed`);
  out.push(`faults fired: ${Object.entries(r.faults).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}`);
  for (const o of r.failures.slice(0, SHOWN)) {
    const exps = o.expectations as readonly { name: string; status: string }[];
    out.push(`  seed ${o.seed}: ${exps.map((f) => `${f.status === 'unavailable' ? 'N/A' : 'FAIL'} ${f.name}`).join('; ')}`);
    out.push(`    ${o.replay}`);
  }
  if (r.failures.length > SHOWN) out.push(`  … ${r.failures.length - SHOWN} more failing seeds (--json lists them all)`);
  out.push(r.failed === 0 ? 'PASS — every seed held every expectation' : `FAIL — ${r.failed} of ${r.runs} seeds failed`);
  return out.join('\n');
}
