/** hanode agent log lines start with an RFC 3339 UTC timestamp (as Consul's do). */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('hanode agent log', () => {
  it('every line is timestamped', async () => {
    const p = spawn(process.execPath, ['bin/hanode.js', 'agent', '--dev', '--http', '127.0.0.1:0', '--raft', '0', '--serf', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    try {
      // Waits on a condition (the "running" line and a leader line), with a generous limit.
      await new Promise<void>((resolve, reject) => {
        const limit = setTimeout(() => reject(new Error(`no startup lines within 60 s; got: ${out}`)), 60_000);
        p.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/hanode agent running/.test(out) && /raft: leader/.test(out)) {
            clearTimeout(limit);
            resolve();
          }
        });
        p.on('exit', (code) => {
          clearTimeout(limit);
          reject(new Error(`agent exited with ${code}: ${out}`));
        });
      });
    } finally {
      p.kill('SIGKILL');
    }
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
  }, 90_000);
});
