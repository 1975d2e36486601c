/**
 * The failover module's monitored targets in a real run: one TCP listener per target, on an
 * address of its own (127.0.3.2, 127.0.3.3, ... in scenario order) that belongs to the target's
 * DC, so cutting that DC off (nft) cuts the target off too. A target is UP while it accepts
 * connections and DOWN (connection refused) while its script says so: the script is read by
 * the simulator's own model (src/sim/targets.ts SimTargets), only the clock differs.
 * The agents check it with a TCP check dialled from their bind address (src/hanode/ha/probes.ts).
 */
import net from 'node:net';
import type { Micros } from '../core/env.ts';
import { SimTargets } from '../sim/targets.ts';
import type { Topology } from '../sim/topology.ts';
import type { World } from '../sim/world.ts';
import type { FailoverTarget } from '../scenario/modules/failover.ts';

export interface RealTarget {
  readonly name: string;
  readonly dc: string;
  readonly addr: string;
  readonly port: number;
  server?: net.Server | undefined;
}

export class RealTargets {
  readonly list: RealTarget[];
  /** The scripted states, by the simulator's model. */
  readonly model: SimTargets;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    specs: readonly FailoverTarget[],
    topology: Topology,
    port: number,
    private readonly t0: number,
    private readonly endUs: Micros,
  ) {
    this.list = specs.map((t, i) => ({ name: t.name, dc: t.dc, addr: `127.0.3.${i + 2}`, port }));
    // SimTargets reads only the topology and the clock from its world.
    const clock = { topology, now: () => Math.round((performance.now() - t0) * 1000) };
    this.model = new SimTargets(clock as unknown as World, specs.map((t) => ({ key: t.name, dc: t.dc, script: t.script })));
  }

  /** TCP check spec for the HA API. */
  check(t: RealTarget): { TCP: string } {
    return { TCP: `${t.addr}:${t.port}` };
  }

  /** Opens the targets that are up now and schedules every scripted transition. */
  async start(): Promise<void> {
    for (const t of this.list) {
      if (this.model.isUp(t.name, 0)) await this.open(t);
      for (const tr of this.model.transitions(t.name, this.endUs).slice(1)) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void (tr.up ? this.open(t) : this.close(t));
        }, Math.max(0, tr.t / 1000 - (performance.now() - this.t0)));
        this.timers.add(timer);
      }
    }
  }

  isUp(name: string, atUs: Micros): boolean {
    return this.model.isUp(name, atUs);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.list.map((t) => this.close(t)));
  }

  private open(t: RealTarget): Promise<void> {
    if (t.server) return Promise.resolve();
    const s = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.on('error', () => {});
      sock.once('close', () => this.sockets.delete(sock));
      sock.end();
    });
    t.server = s;
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(t.port, t.addr, () => resolve());
    });
  }

  private close(t: RealTarget): Promise<void> {
    const s = t.server;
    if (!s) return Promise.resolve();
    t.server = undefined;
    return new Promise((resolve) => s.close(() => resolve()));
  }
}

/** One TCP connection attempt from `from` (an application request): up, refused or no answer. */
export function connectOnce(addr: string, port: number, from: string | undefined, timeoutMs: number): Promise<'ok' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: addr, port, ...(from !== undefined ? { localAddress: from } : {}) });
    let done = false;
    const finish = (r: 'ok' | 'refused' | 'timeout') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('timeout'), Math.max(1, timeoutMs));
    sock.once('connect', () => finish('ok'));
    sock.once('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'timeout'));
  });
}
