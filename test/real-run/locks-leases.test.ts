/**
 * Locks and leases for real (src/real-run/lock-workload.ts, lease-workload.ts): the lock clients
 * go through sessions and ?acquire / ?release, the lease clients through /v1/lease, client nodes
 * are cut off by nft, and the simulator's own judges decide. The careful lock scenario passes,
 * the careless one fails (a broken variant, for real), abandoned leases expire in time. No agent
 * and no nft table survives. Needs root and nft: skipped with a message otherwise.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { runReal } from '../../src/real-run/run.ts';
import { agentsStillRunning } from '../../src/real-run/cleanup.ts';
import { listOurTables, nftUnavailable } from '../../src/real-run/nft.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const why = nftUnavailable();
if (why) console.warn(`test/real-run/locks-leases skipped: ${why}`);


const run = (file: string) => runReal(loadScenarioFile(join(ROOT, file)));

describe.skipIf(why !== undefined)('locks and leases, for real', () => {
  it('careful lock clients keep lock-exclusive through an isolation of the holder; careless ones break it', async () => {
    const careful = await run('test/real-run/locks-careful.yaml');
    const v = careful.verdicts.find((x) => x.kind === 'lock-exclusive')!;
    expect(careful.played.some((p) => p.text.startsWith('isolate c1'))).toBe(true);
    expect(v.status, v.detail).toBe('pass');
    expect(v.detail).toMatch(/acquisitions/);
    expect(careful.passed).toBe(true);
    expect(careful.history.some((e) => e.f === 'acquire')).toBe(true);
    expect(agentsStillRunning()).toEqual([]);

    const careless = await run('test/real-run/locks-careless.yaml');
    const w = careless.verdicts.find((x) => x.kind === 'lock-exclusive')!;
    expect(w.status, w.detail).toBe('fail');
    expect(w.detail).toMatch(/believes it holds it|while c\d+ \(session c\d+\) held it/);
    expect(careless.passed).toBe(false);
    expect(agentsStillRunning()).toEqual([]);
    expect(listOurTables()).toEqual([]);
  }, 400_000);

  it('abandoned leases expire within TTL + 3s and never early', async () => {
    const r = await run('test/real-run/leases.yaml');
    expect(r.played.map((p) => p.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^crash client c1/), expect.stringMatching(/^isolate c2/)]));
    const v = r.verdicts.find((x) => x.kind === 'lease-expires-within')!;
    expect(v.status, v.detail).toBe('pass');
    // c1's lease (crashed) and c2's (cut off for longer than the TTL) expired.
    expect(v.detail).toMatch(/[2-9] expired/);
    expect(r.passed).toBe(true);
    expect(agentsStillRunning()).toEqual([]);
    expect(listOurTables()).toEqual([]);
  }, 300_000);

  it('session-backed leases (via: api) expire 2 x TTL after the last renewal, restarted by a new leader, never early', async () => {
    const r = await run('test/real-run/leases-api.yaml');
    expect(r.notApplied).toEqual([]);
    expect(r.played.map((p) => p.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^crash client c1/), expect.stringMatching(/^crash n\d/)]));
    const v = r.verdicts.find((x) => x.kind === 'lease-expires-within')!;
    expect(v.status, v.detail).toBe('pass');
    // c1's session (its client crashed) was invalidated; the renewed ones were not.
    expect(v.detail).toMatch(/sessions \(leases via the API\) created, 1 expired/);
    expect(r.history.some((e) => e.f === 'session-renew')).toBe(true);
    expect(r.passed).toBe(true);
    expect(agentsStillRunning()).toEqual([]);
    expect(listOurTables()).toEqual([]);
  }, 400_000);
});
