/**
 * What the agents say about Raft, sampled from outside: every POLL_MS each running agent is
 * asked GET /v1/agent/self (Stats.raft: state, term, commit_index; answered locally). From the
 * samples a real run judges, and says what it cannot:
 *   - raft-safety, PARTIALLY: no two agents reported leading in the same term, and no agent's
 *     term went back (terms are persisted, so also across a restart). Log matching and
 *     "committed entries are never lost" are not observable from outside; the client-visible
 *     part of them is what the KV history's linearizability check judges. A leadership shorter
 *     than one poll can be missed, so this is a sample, not a proof.
 *   - max-leader-changes: leaderships observed (distinct leader, term) minus one: a lower bound.
 *   - the leader's name and term as the role selectors need them (roles.ts).
 */
import type { NodeId } from '../core/env.ts';
import type { ExpectationSpec, Verdict } from '../scenario/types.ts';
import { sleep } from '../hanode/launcher.ts';
import type { RealCluster } from './cluster.ts';
import { httpCall } from './http-call.ts';
import { json200 } from './api-client.ts';

/** Poll period: well under an election timeout (1-2 s in hanode's default, Raft paper §9.3 uses 150-300 ms). */
export const POLL_MS = 100;
/** Bound on one question: a paused or cut-off agent just does not answer this round. */
const ASK_TIMEOUT_MS = 500;

export interface RaftSample {
  readonly node: NodeId;
  readonly leader: boolean;
  readonly term: number;
  readonly commit: number;
}

export interface Leadership {
  readonly node: NodeId;
  readonly term: number;
  /** ms since t0 it was first seen. */
  readonly atMs: number;
}

/** Asks one agent its Raft state (undefined: no usable answer). */
export async function askRaftState(http: string, node: NodeId): Promise<RaftSample | undefined> {
  const v = json200(await httpCall('GET', `http://${http}/v1/agent/self`, { timeoutMs: ASK_TIMEOUT_MS })) as { Stats?: { raft?: { state?: unknown; term?: unknown; commit_index?: unknown } } } | undefined;
  const r = v?.Stats?.raft;
  if (!r) return undefined;
  const term = Number(r.term);
  const commit = Number(r.commit_index);
  if (!Number.isSafeInteger(term) || term < 0) return undefined;
  return { node, leader: r.state === 'leader', term, commit: Number.isSafeInteger(commit) ? commit : 0 };
}

export class RaftWatch {
  readonly leaderships: Leadership[] = [];
  readonly violations: string[] = [];
  samples = 0;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly lastTerm = new Map<NodeId, number>();
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly cluster: RealCluster,
    private readonly t0: number,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** One round: asks every running agent, records what they say. */
  async round(): Promise<RaftSample[]> {
    const got = await Promise.all(this.cluster.nodes.map((n) => (n.state === 'up' ? askRaftState(this.cluster.http(n), n.name) : undefined)));
    const at = Math.round(performance.now() - this.t0);
    const samples = got.filter((s): s is RaftSample => s !== undefined);
    for (const s of samples) this.record(s, at);
    return samples;
  }

  /** Adds one sample (also for tests): checks it against everything seen before. */
  record(s: RaftSample, atMs: number): void {
    this.samples++;
    const prev = this.lastTerm.get(s.node) ?? 0;
    if (s.term < prev) this.violations.push(`${(atMs / 1000).toFixed(1)}s: ${s.node}'s term went back from ${prev} to ${s.term}`);
    this.lastTerm.set(s.node, Math.max(prev, s.term));
    if (!s.leader) return;
    const other = this.leaderOfTerm.get(s.term);
    if (other === undefined) {
      this.leaderOfTerm.set(s.term, s.node);
      this.leaderships.push({ node: s.node, term: s.term, atMs });
    } else if (other !== s.node) this.violations.push(`${(atMs / 1000).toFixed(1)}s: two leaders in term ${s.term}: ${other} and ${s.node}`);
  }

  evaluate(exp: ExpectationSpec): Verdict {
    const base = { name: exp.name, kind: exp.kind };
    if (exp.kind === 'raft-safety') {
      const ok = this.violations.length === 0;
      const seen = `${this.samples} agent reports, ${this.leaderships.length} leaderships seen`;
      const detail = ok
        ? `PARTIAL (observed from outside): one leader per term and terms never went back over ${seen}; log matching and committed-entry durability are not observable here (the KV history's check covers what clients saw)`
        : `${this.violations[0]} (${this.violations.length} violation(s); ${seen})`;
      return { ...base, status: ok ? 'pass' : 'fail', passed: ok, detail };
    }
    const max = exp.params as number;
    const changes = Math.max(0, this.leaderships.length - 1);
    const list = this.leaderships.slice(0, 6).map((l) => `${l.node}@${(l.atMs / 1000).toFixed(1)}s t${l.term}`).join(', ');
    const ok = changes <= max;
    return { ...base, status: ok ? 'pass' : 'fail', passed: ok, detail: `${changes} leader change(s) observed (a lower bound: polled every ${POLL_MS} ms): ${list}` };
  }

  private async run(): Promise<void> {
    for (let i = 0; i < 10_000_000 && !this.stopped; i++) {
      await this.round();
      await sleep(POLL_MS);
    }
  }
}
