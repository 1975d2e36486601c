/**
 * Swarm progress on stderr: a redrawn bar when stderr is a terminal, plain periodic lines
 * otherwise (logs and CI keep readable output), nothing when quiet.
 */
export interface Progress {
  update(done: number, failed: number): void;
  finish(done: number, failed: number): void;
}

export function makeProgress(total: number, stream: NodeJS.WriteStream, quiet: boolean, now: () => number = () => performance.now()): Progress {
  if (quiet) return { update() {}, finish() {} };
  const start = now();
  const tty = Boolean(stream.isTTY);
  let lastPrint = -Infinity;
  const line = (done: number, failed: number) => {
    const el = (now() - start) / 1000;
    const rate = done / Math.max(el, 1e-3);
    const eta = rate > 0 ? (total - done) / rate : 0;
    return `${done}/${total} runs, ${failed} failed, ${rate.toFixed(1)} runs/s, ${el.toFixed(1)}s elapsed, eta ${eta.toFixed(0)}s`;
  };
  return {
    update(done, failed) {
      const t = now();
      if (tty) {
        if (t - lastPrint < 100 && done < total) return;
        lastPrint = t;
        const width = 30;
        const filled = Math.round((done / Math.max(1, total)) * width);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line(done, failed)}\x1b[K`);
      } else {
        if (t - lastPrint < 2000 && done < total) return;
        lastPrint = t;
        stream.write(`swarm: ${line(done, failed)}\n`);
      }
    },
    finish(done, failed) {
      if (tty) stream.write(`\r${line(done, failed)}\x1b[K\n`);
      else stream.write(`swarm: done: ${line(done, failed)}\n`);
    },
  };
}
