/**
 * `leader-within` in a real run: from the window's start (`after`, or the end of the last
 * fault) the agents are polled (GET /v1/status/leader on each) until a majority of the voters
 * name the same leader — "a leader followed by a quorum", observed from outside — or the window
 * closes. Polls are bounded in count; a paused or cut-off agent simply does not answer.
 */
import type { ExpectationSpec, Scenario, Verdict } from '../scenario/types.ts';
import { withinStartUs, type WithinParams } from '../scenario/modules/params.ts';
import { sleep } from '../hanode/launcher.ts';
import type { RealCluster } from './cluster.ts';
import { httpCall } from './http-call.ts';
import { json200 } from './api-client.ts';

/** Poll period: well under the windows judged (seconds), so it adds at most 0.1 s to a measured time. */
const POLL_MS = 100;

export class LeaderWatch {
  /** Per expectation: ms since t0 when a quorum-followed leader was seen, or -1. */
  private readonly found = new Map<ExpectationSpec, number>();
  private readonly polls: Promise<void>[] = [];
  /** What the agents answered at the last poll (for a failure's detail). */
  private lastAnswers: string[] = [];
  private stopped = false;

  constructor(
    private readonly cluster: RealCluster,
    private readonly sc: Scenario,
    private readonly t0: number,
  ) {}

  start(): void {
    for (const exp of this.sc.expectations) {
      if (exp.kind !== 'leader-within') continue;
      this.found.set(exp, -1);
      this.polls.push(this.poll(exp));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.polls);
  }

  evaluate(exp: ExpectationSpec, endMs: number): Verdict {
    const p = exp.params as WithinParams;
    const fromMs = withinStartUs(p, this.sc) / 1000;
    const at = this.found.get(exp) ?? -1;
    const base = { name: exp.name, kind: exp.kind };
    if (at >= 0) return { ...base, status: 'pass', passed: true, detail: `a leader named by a majority of the agents at ${(at / 1000).toFixed(1)}s (${((at - fromMs) / 1000).toFixed(1)}s after ${(fromMs / 1000).toFixed(1)}s)` };
    const toMs = Math.min(endMs, fromMs + p.withinUs / 1000);
    return { ...base, status: 'fail', passed: false, detail: `no leader named by a majority of the agents between ${(fromMs / 1000).toFixed(1)}s and ${(toMs / 1000).toFixed(1)}s (last answers: ${this.lastAnswers.map((a, i) => `${this.cluster.nodes[i]!.name}=${a || '-'}`).join(' ')})` };
  }

  private async poll(exp: ExpectationSpec): Promise<void> {
    const p = exp.params as WithinParams;
    const fromMs = withinStartUs(p, this.sc) / 1000;
    const toMs = fromMs + p.withinUs / 1000;
    // Wait by the clock, not by counting sleeps: on a busy machine each sleep overshoots, and
    // 700 of them could start the window after it closed.
    for (let i = 0; i < 10_000_000 && !this.stopped && this.elapsed() < fromMs; i++) await sleep(Math.min(POLL_MS, fromMs - this.elapsed()));
    for (let i = 0; i < 100_000 && !this.stopped && this.elapsed() <= toMs; i++) {
      const seenAt = this.elapsed();
      if (await this.quorumLeader()) {
        this.found.set(exp, seenAt);
        return;
      }
      await sleep(POLL_MS);
    }
  }

  private elapsed(): number {
    return performance.now() - this.t0;
  }

  private async quorumLeader(): Promise<boolean> {
    const answers = await Promise.all(
      this.cluster.nodes.map(async (n) => {
        if (n.state !== 'up') return '';
        const v = json200(await httpCall('GET', `http://${this.cluster.http(n)}/v1/status/leader`, { timeoutMs: POLL_MS * 5 }));
        return typeof v === 'string' ? v : '';
      }),
    );
    this.lastAnswers = answers;
    const count = new Map<string, number>();
    for (const a of answers) if (a !== '') count.set(a, (count.get(a) ?? 0) + 1);
    const majority = Math.floor(this.cluster.nodes.length / 2) + 1;
    return [...count.values()].some((c) => c >= majority);
  }
}

