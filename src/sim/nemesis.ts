/**
 * A random fault generator ("nemesis", after Jepsen): faults arrive as a Poisson process at
 * `ratePerMin`, their kind drawn by weight, their targets and durations from the seed's own
 * 'nemesis' stream. Every drawn fault has a `for`, so it heals by itself.
 */
import type { NodeId, Random } from '../core/env.ts';
import { ms } from '../core/env.ts';
import type { FaultTarget } from './faults.ts';
import { applyFault } from './faults.ts';
import { DEFAULT_CORRUPT_SVC } from './storage-faults.ts';
import type { Fault, NemesisSpec } from './types.ts';
import { nemesisTarget } from './roles.ts';
import { CrashPoints, isCrashPointKind } from './crash-points.ts';

export type NemesisKind = keyof NonNullable<NemesisSpec['kinds']>;

const DEFAULT_WEIGHTS: Record<NemesisKind, number> = {
  partition: 3,
  isolate: 2,
  crash: 2,
  pause: 1,
  clock: 1,
  loss: 1,
  'slow-node': 1,
  'slow-link': 1,
  // Storage faults are opt-in (a scenario names them in `kinds`): a weight here would change the
  // draws, and so the traces, of every existing nemesis scenario.
  corrupt: 0,
  wipe: 0,
  'restore-stale': 0,
  'disk-full': 0,
  // Opt-in only (kinds: { forge: N }): a default weight would change every nemesis run's trace.
  forge: 0,
  // Crash points (src/sim/crash-points.ts): opt-in, for the same reason.
  'crash-after-vote': 0,
  'crash-after-append': 0,
  'crash-leader-after-minority': 0,
};

const US_PER_MIN = 60_000_000;

/** The kinds a spec draws from, with their weights (> 0). */
export function nemesisWeights(spec: NemesisSpec): [NemesisKind, number][] {
  return Object.entries(spec.kinds ?? DEFAULT_WEIGHTS).filter(([, v]) => (v ?? 0) > 0) as [NemesisKind, number][];
}

/** One kind, drawn by weight (one draw of `random`). */
export function pickNemesisKind(weights: readonly (readonly [NemesisKind, number])[], total: number, random: Random): NemesisKind {
  let r = random.next() * total;
  for (const [k, v] of weights) {
    if (r < v) return k;
    r -= v;
  }
  return weights[0]![0];
}

export function startNemesis(w: FaultTarget, spec: NemesisSpec, random: Random): void {
  if (!(spec.ratePerMin > 0)) return;
  const weights = nemesisWeights(spec);
  if (weights.length === 0) return;
  const total = weights.reduce((s, [, v]) => s + v, 0);
  const meanGapUs = US_PER_MIN / spec.ratePerMin;
  const nextGap = () => Math.max(1, Math.round(-Math.log(1 - random.next()) * meanGapUs));
  let traps: CrashPoints | undefined;
  const tick = () => {
    if (spec.until !== undefined && w.now() > spec.until) return;
    const kind = pickNemesisKind(weights, total, random);
    const duration = random.between(spec.durationMin, spec.durationMax);
    let until = w.now() + duration;
    if (spec.until !== undefined && until > spec.until) until = Math.max(w.now() + 1, spec.until);
    if (isCrashPointKind(kind)) {
      // A trap, not a fault: it crashes a node (for the drawn duration) at its next event.
      // Named targets bound the victims too (a role among them: any node).
      const named = spec.targets?.every((t) => w.topology.nodes.includes(t)) ? new Set(spec.targets) : undefined;
      traps ??= new CrashPoints(
        w,
        (node, forUs, cut) => {
          if (cut) applyFault(w, { kind: 'isolate', target: node, for: forUs });
          applyFault(w, { kind: 'crash', node, for: forUs });
        },
        (node) => named === undefined || named.has(node),
      );
      traps.arm(kind, duration, spec.until ?? Number.MAX_SAFE_INTEGER);
      w.atTime(w.now() + nextGap(), tick);
      return;
    }
    const fault = draw(w, kind, until - w.now(), random, spec.targets);
    if (fault) applyFault(w, fault);
    w.atTime(w.now() + nextGap(), tick);
  };
  w.atTime(w.now() + nextGap(), tick);
}

/** What drawing a fault reads of the world (the real run gives its own view, src/real-run/nemesis.ts). */
/** What the nemesis looks at when it draws: the topology, who is up, and which services of a node keep a log on disk. */
export type NemesisView = Pick<FaultTarget, 'topology' | 'isUp'> & { disks(id: NodeId): { has(svc: string): boolean } };

/** One fault of `kind` lasting `duration`, its targets drawn from `random` (undefined: none to draw). */
export function drawNemesisFault(w: NemesisView, kind: NemesisKind, duration: number, random: Random, targets?: readonly string[]): Fault | undefined {
  return draw(w, kind, duration, random, targets);
}

function draw(w: NemesisView, kind: NemesisKind, duration: number, random: Random, targets?: readonly string[]): Fault | undefined {
  // With `targets` (names or roles, resolved when the fault fires) node faults pick from them.
  const picked = targets ? nemesisTarget(w.topology, kind, targets, random) : undefined;
  if (picked) return kind === 'isolate' ? { kind, target: picked, for: duration } : drawFor(w, kind, duration, random, picked);
  const nodes = w.topology.nodes;
  const upNodes = nodes.filter((n) => w.isUp(n));
  switch (kind) {
    case 'partition': {
      // A random split into two non-empty sides.
      const shuffled = random.shuffle([...nodes]);
      const k = random.between(1, Math.max(1, shuffled.length - 1));
      return { kind: 'partition', sides: [shuffled.slice(0, k), shuffled.slice(k)], oneWay: random.chance(0.2), for: duration };
    }
    case 'isolate': {
      const choices = [...w.topology.dcs, ...nodes];
      return { kind: 'isolate', target: random.pick(choices), for: duration };
    }
    case 'crash':
      return upNodes.length > 0 ? { kind: 'crash', node: random.pick(upNodes), for: duration } : undefined;
    case 'pause':
      return upNodes.length > 0 ? { kind: 'pause', node: random.pick(upNodes), for: duration } : undefined;
    case 'clock':
      // Skews up to ±500 ms and drift up to ±500 ppm: far beyond NTP-disciplined clocks on purpose.
      return {
        kind: 'clock',
        node: random.pick(nodes),
        skew: random.between(-ms(500), ms(500)),
        drift: (random.next() * 2 - 1) * 5e-4,
        for: duration,
      };
    case 'loss':
      return { kind: 'loss', p: 0.05 + random.next() * 0.25, for: duration };
    case 'slow-node':
      return { kind: 'slow-node', node: random.pick(nodes), extra: random.between(ms(50), ms(500)), for: duration };
    case 'forge':
      // 20 to 200 hostile messages a second: the rates at which the forged heartbeats
      // (~10/s) kept a real cluster leaderless, and ten times that.
      return { kind: 'forge', rate: random.between(20, 200), for: duration };
    case 'slow-link': {
      const dcs = w.topology.dcs;
      if (dcs.length < 2) return undefined;
      const a = random.pick(dcs);
      const b = random.pick(dcs.filter((d) => d !== a));
      return { kind: 'slow-link', between: [a, b], extra: random.between(ms(10), ms(200)), for: duration };
    }
    case 'corrupt': {
      // A crash with a damaged disk: a few synced records rot, mid-log or at the tail, or the hard state is lost.
      const withLog = nodes.filter((n) => w.disks(n).has(DEFAULT_CORRUPT_SVC));
      if (withLog.length === 0) return undefined;
      const where = random.pick(['mid', 'mid', 'tail', 'state'] as const);
      const node = random.pick(withLog);
      return where === 'state' ? { kind, node, where, for: duration } : { kind, node, where, records: random.between(1, 3), for: duration };
    }
    case 'wipe':
    case 'restore-stale':
    case 'disk-full': {
      // Nodes with a Raft disk: wiping a client's scratch state tests nothing.
      const withLog = nodes.filter((n) => w.disks(n).has(DEFAULT_CORRUPT_SVC));
      return withLog.length > 0 ? { kind, node: random.pick(withLog), for: duration } : undefined;
    }
  }
}

/** A node fault of `kind` on `node` (a name or a one-node role). */
function drawFor(w: NemesisView, kind: NemesisKind, duration: number, random: Random, node: string): Fault | undefined {
  switch (kind) {
    case 'crash':
    case 'pause':
      return { kind, node, for: duration };
    case 'clock':
      return { kind, node, skew: random.between(-ms(500), ms(500)), drift: (random.next() * 2 - 1) * 5e-4, for: duration };
    case 'slow-node':
      return { kind, node, extra: random.between(ms(50), ms(500)), for: duration };
    default:
      return draw(w, kind, duration, random);
  }
}
