/**
 * The KV workload of a scenario: one closed-loop client per client node (a KvClient core on
 * that node), think time drawn from the rate, operations drawn from the mix, keys uniform or
 * Zipf. Every operation goes into the history (src/sim/history.ts) in TRUE virtual time.
 * A client whose node crashes with an operation open closes it as `info` and continues under
 * a fresh process number (Jepsen's rule, which the history contract asserts).
 */
import type { NodeId, Random } from '../../core/env.ts';
import type { KvClient, KvOutcome } from '../../core/kvclient/index.ts';
import { HistoryRecorder } from '../../sim/history.ts';
import { keyChooser } from '../../sim/workload/key-dist.ts';
import type { WorldPort } from '../world-port.ts';
import type { KvModuleConfig, KvOpName } from './kv.ts';

/** Values a CAS may expect: the last few written per key (bounded). */
const RECENT_VALUES = 4;

export interface ClientApp {
  readonly kvClient?: KvClient;
}

export class KvWorkload {
  readonly recorder = new HistoryRecorder();
  /** Operations the system answered (ok, or a definite no such as a CAS mismatch) / completed. */
  answered = 0;
  completed = 0;
  private nextProcess = 0;
  private readonly recent = new Map<string, string[]>();
  private readonly ops: [KvOpName, number][];
  private readonly opsTotal: number;

  constructor(
    private readonly world: WorldPort,
    private readonly cfg: KvModuleConfig,
    private readonly clients: readonly NodeId[],
    private readonly endUs: number,
  ) {
    this.ops = Object.entries(cfg.mix).filter(([, w]) => (w ?? 0) > 0) as [KvOpName, number][];
    this.opsTotal = this.ops.reduce((s, [, w]) => s + w, 0);
  }

  start(): void {
    this.clients.forEach((node) => this.loop(node, this.world.rng(`kv-client/${node}`)));
  }

  /** Closes every open operation as info (call at the end). */
  finish(): void {
    this.recorder.closeAll(this.world.now());
  }

  private op(r: Random): KvOpName {
    let x = r.next() * this.opsTotal;
    for (const [name, w] of this.ops) {
      if (x < w) return name;
      x -= w;
    }
    return this.ops[this.ops.length - 1]![0];
  }

  private think(r: Random): number {
    // Exponential think time with mean 1/rate: a Poisson-ish open feel within a closed loop.
    return Math.max(1, Math.round((-Math.log(1 - r.next()) / this.cfg.ratePerSec) * 1_000_000));
  }

  private loop(node: NodeId, r: Random): void {
    // Zipf with YCSB's default constant 0.99 (src/sim/workload/key-dist.ts), or uniform.
    const pickKey = keyChooser(this.cfg.keys, this.cfg.distribution === 'zipf' ? { kind: 'zipf' } : { kind: 'uniform' }, r);
    let process = this.nextProcess++;
    let seq = 0;
    /** The client object the open operation went out on (a restart replaces it). */
    let openOn: KvClient | undefined;
    const tick = () => {
      const now = this.world.now();
      if (now >= this.endUs) return;
      const client = this.world.app<ClientApp>(node)?.kvClient;
      if (this.recorder.isOpen(process)) {
        if (openOn !== undefined && client !== openOn) {
          // The node crashed (or restarted) with the op in flight: its outcome is unknown.
          this.recorder.complete(process, 'info', now);
          this.completed++;
          process = this.nextProcess++;
          openOn = undefined;
        } else {
          this.world.after(this.think(r), tick);
          return;
        }
      }
      if (!client) {
        this.world.after(this.think(r), tick);
        return;
      }
      const f = this.op(r);
      const key = `k${pickKey()}`;
      const value = `${node}-${seq++}`;
      const p = process;
      const doneWith = (type: 'ok' | 'fail' | 'info', out?: unknown, answered = type === 'ok') => {
        if (!this.recorder.isOpen(p) || openOn !== client) return; // already closed as info
        this.recorder.complete(p, type, this.world.now(), out);
        this.completed++;
        if (answered) this.answered++;
        openOn = undefined;
        if (type === 'info') process = this.nextProcess++;
        this.world.after(this.think(r), tick);
      };
      const generic = (o: KvOutcome<unknown>, okValue?: unknown) => {
        if (o.type === 'ok') doneWith('ok', okValue);
        else doneWith(o.type);
      };
      openOn = client;
      switch (f) {
        case 'read':
          this.recorder.invoke(p, 'read', key, null, now);
          client.get(key, (o) => (o.type === 'ok' ? doneWith('ok', o.result?.value ?? null) : generic(o)));
          break;
        case 'write':
          this.recorder.invoke(p, 'write', key, value, now);
          this.remember(key, value);
          client.put(key, value, (o) => generic(o));
          break;
        case 'delete':
          this.recorder.invoke(p, 'delete', key, null, now);
          client.delete(key, (o) => generic(o));
          break;
        case 'cas': {
          const recent = this.recent.get(key) ?? [];
          const expected = recent.length > 0 && r.chance(0.8) ? r.pick(recent) : null;
          this.recorder.invoke(p, 'cas', key, [expected, value], now);
          this.remember(key, value);
          client.cas(key, { value: expected }, value, (o) => {
            if (o.type === 'ok') doneWith('ok');
            // A mismatch is a definite "no": the system answered.
            else if (o.type === 'fail' && o.error === 'cas-mismatch') doneWith('fail', undefined, true);
            else generic(o);
          });
          break;
        }
      }
    };
    this.world.after(this.think(r), tick);
  }

  private remember(key: string, value: string): void {
    const l = this.recent.get(key) ?? [];
    l.push(value);
    if (l.length > RECENT_VALUES) l.shift();
    this.recent.set(key, l);
  }
}
