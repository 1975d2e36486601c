// Wall time of the CLI as a user runs it: `node bin/hasim.js --version` and
// `node bin/hasim.js run scenarios/dc-failover.yaml`, end to end (process start to exit), once
// from the compiled dist/ and once from the sources through tsx (HASIM_NO_DIST=1).
// Targets (issue 21): --version <= 0.2 s, the dc-failover run <= 0.5 s. Printed, never asserted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'hasim.js');
const REPEAT = { version: 10, run: 5 };

function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`hasim ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `${(med / 1000).toFixed(3)} s (min ${(s[0]! / 1000).toFixed(3)}, max ${(s[s.length - 1]! / 1000).toFixed(3)})`;
}

if (!existsSync(join(ROOT, 'dist', '.built'))) console.log('note: dist/ is not built (npm run build): the "dist" rows run the sources too');

const modes: [string, NodeJS.ProcessEnv][] = [
  ['dist', { ...process.env, HASIM_NO_DIST: '0' }],
  ['tsx', { ...process.env, HASIM_NO_DIST: '1' }],
];
const cases: [string, string[], number][] = [
  ['hasim --version', ['--version'], REPEAT.version],
  ['hasim run scenarios/dc-failover.yaml', ['run', 'scenarios/dc-failover.yaml'], REPEAT.run],
];
console.log('command                                    mode  median wall (min, max)');
for (const [name, args, n] of cases) {
  // Interleaved, so a burst of load on the machine hits both modes alike.
  const times = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  timeOnce(args, modes[0]![1]); // warm the file cache
  for (let i = 0; i < n; i++) for (const [m, env] of modes) times.get(m)!.push(timeOnce(args, env));
  for (const [m] of modes) console.log(`${name.padEnd(42)} ${m.padEnd(5)} ${stats(times.get(m)!)}  x${n}`);
}
