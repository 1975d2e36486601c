/**
 * `hasim host` (src/cli/commands/host.ts): the primary-backup example on three separate
 * processes on loopback. Each must receive messages from the others and some node must lead
 * a view; each stops cleanly on SIGINT. Every process is stopped, also on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';

const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

describe('hasim host', () => {
  it('three processes run the example core and talk to each other', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const ids = ['n1', 'n2', 'n3'];
    const out = ids.map(() => '');
    ids.forEach((id, i) => {
      const peers = ids.map((o, j) => `${o}=127.0.0.1:${ports[j]}`).filter((_, j) => j !== i).join(',');
      const p = spawn(process.execPath, ['bin/hasim.js', 'host', 'examples/primary-backup/register.ts', '--node', id, '--listen', `127.0.0.1:${ports[i]}`, '--peers', peers], { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout.on('data', (d) => (out[i] += String(d)));
      p.stderr.on('data', (d) => (out[i] += String(d)));
      procs.push(p);
    });
    for (let waited = 0; waited < 60_000 && !out.every((o) => o.includes('hasim host:')); waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(out.every((o) => o.includes('hasim host:')), out.join('\n')).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    const exits = procs.map((p) => new Promise<number | null>((res) => p.once('exit', (c) => res(c))));
    for (const p of procs) p.kill('SIGINT');
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    for (const o of out) {
      const m = /stopped \(sent (\d+), delivered (\d+) messages\)/.exec(o);
      expect(m, o).not.toBeNull();
      expect(Number(m![2])).toBeGreaterThan(0);
    }
    // Processes start at different times on a busy machine: a backup may move past view 0 first.
    expect(out.join('')).toMatch(/n\d primary of view \d+/);
  }, 120_000);
});
