/**
 * Master election among shard servers: each registers as an ephemeral-sequential node under
 * one directory; the lowest sequence is master. Everyone watches the children, so when the
 * master's entry vanishes (its session ended) the next lowest takes over: self-healing.
 * Registration is retried with a bounded backoff; list refreshes are also periodic, so a
 * lost watch notification only delays, never stalls, the election.
 */
import { assert, type Env, type Micros, type NodeId } from '../env.ts';
import { lowestEntry, sequenceOf, type Registry } from './registry.ts';

export interface ElectionConfig {
  readonly dir: string;
  /** Periodic re-list even without a watch firing. */
  readonly refreshUs: Micros;
  /** Retry delay after a failed registration or list. */
  readonly retryUs: Micros;
}

export interface ElectionView {
  readonly isMaster: boolean;
  readonly master: NodeId | undefined;
  /** The master's sequence number: its term for configuration epochs. */
  readonly masterSeq: number | undefined;
}

export class MasterElection {
  private myName: string | undefined;
  private view: ElectionView = { isMaster: false, master: undefined, masterSeq: undefined };
  private stopped = false;
  private listing = false;

  constructor(
    private readonly env: Env,
    private readonly registry: Registry,
    private readonly cfg: ElectionConfig,
    private readonly onChange: (v: ElectionView) => void,
  ) {}

  start(): void {
    this.register();
  }

  stop(): void {
    this.stopped = true;
  }

  current(): ElectionView {
    return this.view;
  }

  /** This server's own sequence number once registered. */
  mySeq(): number | undefined {
    return this.myName === undefined ? undefined : sequenceOf(this.myName);
  }

  private register(): void {
    if (this.stopped) return;
    this.registry.register(this.cfg.dir, 'server-', this.env.self, (r) => {
      if (this.stopped) return;
      if (!r.ok) {
        this.env.trace('shard.election.error', { op: 'register', error: r.error });
        this.env.after(this.cfg.retryUs, () => this.register());
        return;
      }
      this.myName = r.name;
      this.relist();
      const tick = (): void => {
        if (this.stopped) return;
        this.relist();
        this.env.after(this.cfg.refreshUs, tick);
      };
      this.env.after(this.cfg.refreshUs, tick);
    });
  }

  private relist(): void {
    if (this.stopped || this.listing) return;
    this.listing = true;
    this.registry.list(
      this.cfg.dir,
      () => this.relist(),
      (r) => {
        this.listing = false;
        if (!r.ok) this.env.trace('shard.election.error', { op: 'list', error: r.error });
        if (this.stopped || !r.ok) return;
        const lowest = lowestEntry(r.children);
        const mine = r.children.some((c) => c.name === this.myName);
        if (!mine && this.myName !== undefined) {
          // Our session ended (our entry is gone): register again, never act as master meanwhile.
          this.myName = undefined;
          this.update({ isMaster: false, master: lowest?.data, masterSeq: lowest ? sequenceOf(lowest.name) : undefined });
          this.register();
          return;
        }
        const isMaster = lowest !== undefined && lowest.name === this.myName;
        assert(!isMaster || lowest.data === this.env.self, 'election: my entry names another node');
        this.update({ isMaster, master: lowest?.data, masterSeq: lowest ? sequenceOf(lowest.name) : undefined });
      },
    );
  }

  private update(v: ElectionView): void {
    const o = this.view;
    this.view = v;
    if (o.isMaster !== v.isMaster || o.master !== v.master || o.masterSeq !== v.masterSeq) {
      this.env.trace('shard.master', { isMaster: v.isMaster, master: v.master ?? null, seq: v.masterSeq ?? null });
      this.onChange(v);
    }
  }
}
