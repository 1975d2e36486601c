/**
 * The loopback block a real run takes its addresses from: servers 127.B.0.x, client nodes
 * 127.B.1.x, failover targets 127.B.3.x. With HASIM_REAL_BLOCK set (0..250) B is that; otherwise
 * the process claims the lowest block no other live process holds, by a claim file
 * `hasim-real-block-B` (holding the pid) in the temp dir, released at exit; a claim whose pid is
 * gone is taken over. So two real runs at once (two terminals, a test suite beside a long
 * nemesis run) get blocks of their own, and one run's nft rules (by address) never cut the
 * other's links. One process keeps its block for all its runs (they run one at a time).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Blocks 0..250: 127.251-255 stay free for other loopback users. */
const MAX_BLOCK = 250;

let claimed: number | undefined;

export function addressBlock(): number {
  const raw = process.env.HASIM_REAL_BLOCK;
  if (raw !== undefined && raw !== '') {
    const b = Number(raw);
    if (!Number.isInteger(b) || b < 0 || b > MAX_BLOCK) throw new Error(`HASIM_REAL_BLOCK must be an integer in 0..${MAX_BLOCK}, got ${JSON.stringify(raw)}`);
    return b;
  }
  claimed ??= claimFreeBlock();
  return claimed;
}

const claimFile = (b: number): string => join(tmpdir(), `hasim-real-block-${b}`);

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryClaim(b: number): boolean {
  const file = claimFile(b);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      process.once('exit', () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          // already gone
        }
      });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(file, 'utf8'));
      } catch {
        // removed meanwhile: try again
      }
      if (holder === process.pid) return true;
      if (alive(holder)) return false;
      try {
        unlinkSync(file); // a stale claim of a process that is gone
      } catch {
        // another process took it over first
      }
    }
  }
  return false;
}

function claimFreeBlock(): number {
  for (let b = 0; b <= MAX_BLOCK; b++) if (tryClaim(b)) return b;
  throw new Error(`no free loopback block for a real run: 127.0-${MAX_BLOCK}.x.x are all claimed (see ${claimFile(0)} and its siblings), or set HASIM_REAL_BLOCK`);
}
