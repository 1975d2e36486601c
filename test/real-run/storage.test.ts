/**
 * Storage faults for real (src/real-run/faults.ts with src/net-real/disk-damage.ts): a follower
 * is killed, its stopped Raft log damaged (a flipped byte mid-segment, then a torn tail), and
 * restarted; acknowledged writes survive (linearizable) and a leader is back. No agent and no
 * nft table survives. Needs root and nft: skipped with a message otherwise.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { runReal } from '../../src/real-run/run.ts';
import { agentsStillRunning } from '../../src/real-run/cleanup.ts';
import { listOurTables, nftUnavailable } from '../../src/real-run/nft.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const why = nftUnavailable();
if (why) console.warn(`test/real-run/storage skipped: ${why}`);

describe.skipIf(why !== undefined)('storage faults, for real', () => {
  it('a follower with a flipped byte, then one with a torn tail: acknowledged writes survive', async () => {
    const r = await runReal(loadScenarioFile(join(ROOT, 'test/real-run/storage.yaml')));
    const texts = r.played.map((p) => p.text);
    expect(texts.some((t) => /^corrupt n\d: SIGKILL, one byte flipped mid .*\.seg/.test(t)), texts.join('\n')).toBe(true);
    expect(texts.some((t) => /^corrupt n\d: SIGKILL, .*\.seg torn/.test(t)), texts.join('\n')).toBe(true);
    expect(texts.filter((t) => t.includes('(damaged data dir;'))).toHaveLength(2);
    expect(r.skippedFaults).toEqual([]);
    for (const v of r.verdicts) expect(v.status, `${v.name}: ${v.detail}`).toBe('pass');
    expect(r.stats.ok).toBeGreaterThan(50);
    expect(agentsStillRunning()).toEqual([]);
    expect(listOurTables()).toEqual([]);
  }, 240_000);
});
