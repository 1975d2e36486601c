/**
 * ProbeRunner: runs the node-run health checks (Consul agent style) on the node that owns
 * them, through a pluggable Probe, and proposes a `check.update` only when the status or
 * output changed (Consul's agent likewise syncs only changes to the servers).
 * The set of checks comes from the replicated catalog: checks of `catalogNode` that have a
 * probe and an interval.
 */
import { sec, type Env, type Micros, type Timer } from '../env.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { Proposer } from '../store/proposer.ts';
import type { CheckRecord, CheckStatus, Probe } from './checks.ts';

/** Consul: a check's timeout defaults to 10 s (agent/checks, defaultHTTPTimeout / TCP timeout). */
const DEFAULT_PROBE_TIMEOUT_US: Micros = sec(10);
/** Bound on checks one node runs (ours); the HTTP API refuses registrations past it. */
export const MAX_RUNNING = 1_000;

interface Running {
  readonly checkId: string;
  timer: Timer;
  inFlight: boolean;
  /** Identity of the definition the timer was armed for; a re-registration re-arms. */
  def: string;
}

export class ProbeRunner {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly env: Env,
    private readonly store: CoordStore,
    private readonly proposer: Proposer,
    private readonly probe: Probe,
    private readonly catalogNode: string = env.self,
  ) {
    store.onApply((e) => {
      if (e.effects.some((fx) => (fx.kind === 'check.updated' || fx.kind === 'check.removed') && fx.node === this.catalogNode)) this.sync();
    });
    store.onRestore(() => this.sync());
  }

  start(): void {
    this.sync();
  }

  stop(): void {
    for (const r of this.running.values()) r.timer.cancel();
    this.running.clear();
  }

  runningChecks(): string[] {
    return [...this.running.keys()].sort();
  }

  private sync(): void {
    const want = new Map<string, CheckRecord>();
    for (const c of this.store.catalog.checksOfNode(this.catalogNode)) {
      if (c.definition.probe && c.definition.intervalUs && c.definition.intervalUs > 0) want.set(c.checkId, c);
    }
    for (const [id, r] of this.running) {
      const c = want.get(id);
      if (!c || JSON.stringify(c.definition) !== r.def) {
        r.timer.cancel();
        this.running.delete(id);
      }
    }
    for (const [id, c] of want) {
      if (this.running.has(id)) continue;
      // The catalog is replicated input: past the bound the excess is not run, never a crash.
      if (this.running.size >= MAX_RUNNING) break;
      const r: Running = { checkId: id, timer: this.schedule(id, 0), inFlight: false, def: JSON.stringify(c.definition) };
      this.running.set(id, r);
    }
  }

  private schedule(checkId: string, delay: Micros): Timer {
    return this.env.after(delay, () => this.runOnce(checkId));
  }

  private runOnce(checkId: string): void {
    const r = this.running.get(checkId);
    const c = this.store.catalog.getCheck(this.catalogNode, checkId);
    if (!r || !c?.definition.probe || !c.definition.intervalUs) return;
    r.timer = this.schedule(checkId, c.definition.intervalUs);
    if (r.inFlight) return; // the previous probe has not answered: never pile probes up
    r.inFlight = true;
    let answered = false;
    const timeoutUs = c.definition.timeoutUs ?? DEFAULT_PROBE_TIMEOUT_US;
    const guard = this.env.after(timeoutUs, () => finish('critical', `probe timed out after ${timeoutUs}us`));
    const finish = (status: CheckStatus, output: string) => {
      if (answered) return;
      answered = true;
      guard.cancel();
      r.inFlight = false;
      const cur = this.store.catalog.getCheck(this.catalogNode, checkId);
      if (!cur || (cur.status === status && cur.output === output)) return;
      this.proposer.propose({ type: 'check.update', node: this.catalogNode, checkId, status, output }, () => {});
    };
    this.probe.run(c.definition.probe, timeoutUs, finish);
  }
}
