/**
 * `hasim run FILE --real` for real: 3 hanode processes on 127.0.0.2-4, a crash (SIGKILL +
 * restart on the same data dir), a pause (SIGSTOP/SIGCONT) and a partition (nft) under a KV
 * workload, judged by the linearizability checker. The broken variant (stale reads judged as
 * linearizable, while a node is isolated) must fail for real. After every run, passing or
 * failing, no agent of ours and no nft table of ours may survive. Needs root and nft: skipped
 * with a message otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/scenario/load.ts';
import { runReal } from '../../src/real-run/run.ts';
import { agentsStillRunning } from '../../src/real-run/cleanup.ts';
import { listOurTables, nftUnavailable } from '../../src/real-run/nft.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const why = nftUnavailable();
if (why) console.warn(`test/real-run skipped: ${why}`);

function runCli(args: string[]): Promise<{ code: number | null; out: string; pid: number }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [join(ROOT, 'bin', 'hasim.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (out += b.toString()));
    c.once('exit', (code) => resolve({ code, out, pid: c.pid ?? -1 }));
  });
}

describe.skipIf(why !== undefined)('hasim run --real', () => {
  it('a crash + pause + partition scenario passes for real, and leaves nothing behind', async () => {
    const r = await runCli(['run', 'test/real-run/crash-partition.yaml', '--real']);
    expect(r.out).toContain('crash n1 (SIGKILL)');
    expect(r.out).toContain('restart n1 (same data dir)');
    expect(r.out).toContain('pause n2 (SIGSTOP)');
    expect(r.out).toContain('partition n3 | n1,n2');
    expect(r.out).toContain('not deterministic');
    expect(r.out).toMatch(/PASS +KV history is linearizable/);
    expect(r.out).toMatch(/PASS +a leader within 4s/);
    expect(r.out, r.out).toContain('verdict: PASS');
    expect(r.code).toBe(0);
    expect(agentsStillRunning(r.pid)).toEqual([]);
    expect(listOurTables(r.pid)).toEqual([]);
  }, 240_000);

  it('the broken variant (stale reads from an isolated node) fails for real; skipped kinds are named; nothing survives', async () => {
    const sc = loadScenarioFile(join(ROOT, 'test/real-run/stale-reads.yaml'));
    const r = await runReal(sc, { staleReads: true });
    expect(r.played.some((p) => p.text.startsWith('isolate n3'))).toBe(true);
    expect(r.skippedFaults.map((s) => s.kind)).toEqual(['loss']);
    expect(r.incomplete).toBe(true);
    const lin = r.verdicts.find((v) => v.kind === 'linearizable')!;
    expect(lin.status, lin.detail).toBe('fail');
    const lw = r.verdicts.find((v) => v.kind === 'leader-within')!;
    expect(lw.status, lw.detail).toBe('fail');
    expect(r.passed).toBe(false);
    expect(agentsStillRunning()).toEqual([]);
    expect(listOurTables()).toEqual([]);
  }, 240_000);

  it('Ctrl-C in the middle of a partition stops every agent and deletes the nft table', async () => {
    const c = spawn(process.execPath, [join(ROOT, 'bin', 'hasim.js'), 'run', 'test/real-run/stale-reads.yaml', '--real'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((resolve) => c.once('exit', (code) => resolve(code)));
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 120_000;
    while (!out.includes('isolate n3') && Date.now() < deadline && c.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(out, out).toContain('isolate n3');
    const pid = c.pid ?? -1;
    expect(listOurTables(pid).length).toBe(1);
    expect(agentsStillRunning(pid).length).toBe(3);
    const dir = /--data-dir (\S*hasim-real-[^/\s]+)/.exec(agentsStillRunning(pid)[0]!)![1]!;
    expect(existsSync(dir)).toBe(true);
    c.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(agentsStillRunning(pid)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(listOurTables(pid)).toEqual([]);
  }, 240_000);
});
