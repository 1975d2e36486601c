/**
 * A small builder of simulated SWIM clusters for the tests and benches: n nodes in one DC
 * (or spread over DCs/regions), each running a SwimNode that joins through the first seeds.
 */
import { World, type WorldOptions } from '../../src/sim/index.ts';
import type { NodeId } from '../../src/core/env.ts';
import { SwimNode, type SwimConfigInput } from '../../src/core/swim/index.ts';

export interface SwimApp {
  readonly swim: SwimNode;
  start(): void;
}

export interface ClusterOptions {
  readonly n: number;
  readonly seed: number | string;
  readonly config?: SwimConfigInput;
  /** Per-node config override (e.g. Lifeguard off on some nodes). */
  readonly configOf?: (id: NodeId) => SwimConfigInput | undefined;
  readonly seeds?: number;
  readonly dcs?: number;
  readonly network?: WorldOptions['network'];
  readonly latency?: WorldOptions['latency'];
  readonly recordTrace?: boolean;
  readonly checkMessages?: boolean;
}

export function nodeNames(n: number): NodeId[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

export function buildCluster(o: ClusterOptions): { world: World; names: NodeId[] } {
  const names = nodeNames(o.n);
  const dcs = Math.max(1, o.dcs ?? 1);
  const perDc = Math.ceil(o.n / dcs);
  const dcSpecs = Array.from({ length: dcs }, (_, d) => ({ name: `dc${d + 1}`, nodes: names.slice(d * perDc, (d + 1) * perDc) })).filter(
    (d) => d.nodes.length > 0,
  );
  const world = new World({
    seed: o.seed,
    topology: { regions: [{ name: 'r1', dcs: dcSpecs }] },
    ...(o.latency ? { latency: o.latency } : {}),
    ...(o.network ? { network: o.network } : {}),
    recordTrace: o.recordTrace ?? false,
    checkMessages: o.checkMessages ?? false,
  });
  const seeds = names.slice(0, Math.min(o.n, o.seeds ?? 3));
  world.setup((ctx) => {
    const swim = new SwimNode(ctx.env('swim'), { seeds, ...o.config, ...o.configOf?.(ctx.id) });
    return { swim, start: () => swim.start() } satisfies SwimApp;
  });
  return { world, names };
}

export function swimOf(world: World, id: NodeId): SwimNode | undefined {
  return world.app<SwimApp>(id)?.swim;
}

/** true when every running node sees exactly `expected` as its alive set. */
export function converged(world: World, names: readonly NodeId[], expected: readonly NodeId[]): boolean {
  const want = new Set(expected);
  for (const id of names) {
    if (!want.has(id)) continue;
    const s = swimOf(world, id);
    if (s === undefined || !s.isRunning()) return false;
    let alive = 0;
    for (const m of s.members()) {
      if (m.status === 'alive' || m.status === 'suspect') {
        if (!want.has(m.node)) return false;
        alive++;
      }
    }
    if (alive !== want.size) return false;
  }
  return true;
}

/** runUntil with the predicate checked every `everyUs` of virtual time (cheap for O(n²) checks). */
export function runUntilEvery(world: World, pred: () => boolean, everyUs: number, limitUs: number): boolean {
  while (world.now() < limitUs) {
    if (pred()) return true;
    world.run(Math.min(limitUs, world.now() + everyUs));
  }
  return pred();
}
