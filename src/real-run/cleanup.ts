/**
 * Everything a real run starts is stopped on every exit path: a normal end (the run's own
 * finally), a thrown error (same), Ctrl-C / SIGTERM (the handlers here) and a plain
 * process.exit (the 'exit' hook, synchronous only: SIGKILL the children, delete our nft table,
 * remove the temp dirs).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const nftTables = new Set<string>();
const dirs = new Set<string>();
let installed = false;

export function trackChild(c: ChildProcess): void {
  install();
  children.add(c);
  c.once('exit', () => children.delete(c));
}

export function trackNftTable(name: string): void {
  install();
  nftTables.add(name);
}

/** The prefix of a real run's temp dir (its agents' data dirs live there): names the process that made it. */
export const runDirPrefix = (pid: number = process.pid): string => `hasim-real-${pid}-`;

/**
 * The hanode agents of the real runs of process `pid` (default this one) still running, as ps
 * shows them (pid and arguments): found by their data dirs, so also after that process died.
 * For tests.
 */
export function agentsStillRunning(pid: number = process.pid): string[] {
  const r = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8', timeout: 10_000 });
  const dir = `/${runDirPrefix(pid)}`;
  return (r.stdout || '').split('\n').filter((l) => l.includes('hanode.js agent') && l.includes(dir)).map((l) => l.trim());
}

/** A temp dir to remove at exit (after its processes are killed). */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}

export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

export function untrackNftTable(name: string): void {
  nftTables.delete(name);
}

/** Synchronous last-resort cleanup: kill every child still alive, delete every table of ours. */
export function cleanupNow(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  for (const t of nftTables) spawnSync('nft', ['delete', 'table', 'inet', t], { stdio: 'ignore', timeout: 5000 });
  nftTables.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', cleanupNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanupNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}
