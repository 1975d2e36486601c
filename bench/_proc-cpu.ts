// CPU time used so far by a set of processes (user + system, ms), from /proc/<pid>/stat: Linux
// only; undefined elsewhere or when a process is gone. The benches divide a run's delta by its
// operations to show the CPU each operation costs the system under test (all its processes).
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

export function cpuMs(pids: readonly number[]): number | undefined {
  let ticks = 0;
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    // Fields after the command name (which may hold spaces, so split after its closing paren):
    // state is field 3 of stat(5), utime 14 and stime 15, i.e. indices 11 and 12 here.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(f[11]);
    const stime = Number(f[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    ticks += utime + stime;
  }
  return (ticks * 1000) / USER_HZ;
}
