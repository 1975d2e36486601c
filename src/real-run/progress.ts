/**
 * Progress lines while a real run plays (stderr in the CLI): elapsed time, client ops so far,
 * faults played by kind, and which agents are not up. A long nemesis run says every
 * `everyMs` how it is going instead of staying silent for ten minutes.
 */
import type { RealCluster } from './cluster.ts';
import type { FaultPlayer } from './faults.ts';
import type { RealKvStats } from './kv-workload.ts';

export class ProgressLines {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly t0: number,
    private readonly durationMs: number,
    private readonly stats: () => RealKvStats | undefined,
    private readonly player: FaultPlayer,
    private readonly cluster: RealCluster,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.log(this.line()), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  line(): string {
    const s = this.stats();
    const ops = s ? `ops ${s.invoked} (ok ${s.ok}, fail ${s.fail}, info ${s.info})` : 'no KV ops';
    const counts = [...this.player.counts].sort();
    const total = counts.reduce((n, [, c]) => n + c, 0);
    const faults = `faults ${total}${counts.length ? ` (${counts.map(([k, c]) => `${k} ${c}`).join(', ')})` : ''}${this.player.skipped.length ? `, ${this.player.skipped.length} skipped` : ''}`;
    const notUp = this.cluster.nodes.filter((n) => n.state !== 'up').map((n) => `${n.name} ${n.state}`);
    const cuts = this.player.cutsNow().length;
    return `progress ${((performance.now() - this.t0) / 1000).toFixed(0)}s/${(this.durationMs / 1000).toFixed(0)}s: ${ops}; ${faults}; ${notUp.length ? notUp.join(', ') : 'all agents up'}${cuts ? `, ${cuts} nft rules` : ''}`;
  }
}
