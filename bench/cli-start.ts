// Wall time of the CLI as a user runs it: `node bin/hasim.js --version` and
// `node bin/hasim.js run scenarios/dc-failover.yaml`, end to end (process start to exit), once
// from the compiled dist/ and once from the sources through tsx (HASIM_NO_DIST=1).
// Targets (issue 21): --version <= 0.2 s, the dc-failover run <= 0.5 s. Printed, never asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distIsFresh } from '../bin/launch.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'hasim.js');
const REPEAT = { version: 10, run: 5 };

/**
 * CPU seconds (user + system) of this process's waited-for children so far, from
 * /proc/self/stat (cutime, cstime; clock ticks, 100 per second on Linux); NaN elsewhere. On a
 * machine shared with other work the wall time mostly measures the others; CPU time does not.
 */
function childrenCpuS(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

function timeOnce(args: readonly string[], env: NodeJS.ProcessEnv): [wallMs: number, cpuMs: number] {
  const c0 = childrenCpuS();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`hasim ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return [ms, (childrenCpuS() - c0) * 1000];
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `${(med / 1000).toFixed(3)} s (min ${(s[0]! / 1000).toFixed(3)}, max ${(s[s.length - 1]! / 1000).toFixed(3)})`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (!distIsFresh()) {
  console.log(`note: dist/ is ${existsSync(join(ROOT, 'dist', '.built')) ? 'older than src/' : 'not built'} (npm run build): the "dist" rows run the sources too`);
}

const modes: [string, NodeJS.ProcessEnv][] = [
  ['dist', { ...process.env, HASIM_NO_DIST: '0' }],
  ['tsx', { ...process.env, HASIM_NO_DIST: '1' }],
];
const cases: [string, string[], number][] = [
  ['hasim --version', ['--version'], REPEAT.version],
  ['hasim run scenarios/dc-failover.yaml', ['run', 'scenarios/dc-failover.yaml'], REPEAT.run],
];
console.log('command                                    mode  median wall (min, max)           median CPU');
for (const [name, args, n] of cases) {
  // Interleaved, so a burst of load on the machine hits both modes alike.
  const wall = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  const cpu = new Map<string, number[]>(modes.map(([m]) => [m, []]));
  for (const [, env] of modes) timeOnce(args, env); // warm the file cache (and tsx's own cache)
  for (let i = 0; i < n; i++) {
    for (const [m, env] of modes) {
      const [w, c] = timeOnce(args, env);
      wall.get(m)!.push(w);
      cpu.get(m)!.push(c);
    }
  }
  for (const [m] of modes) console.log(`${name.padEnd(42)} ${m.padEnd(5)} ${stats(wall.get(m)!).padEnd(32)} ${(median(cpu.get(m)!) / 1000).toFixed(2)} s  x${n}`);
}
