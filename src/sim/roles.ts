/**
 * Role-aware selectors: a fault can name a node by the part it plays at the moment the fault
 * fires (`leader`, `followers`, `a-follower`, `leader-dc`, `leader-region`,
 * `minority-with-leader`, `majority-without-leader`) instead of by name. A newcomer's
 * "isolate the leader" written with a node name isolates a follower on most seeds; with
 * `target: leader` it isolates whoever leads when the fault fires.
 *
 * The simulator does not know Raft: the module that runs it registers a RoleOracle for the
 * world (setRoleOracle). Resolution is deterministic: the leader is the live node that
 * believes it leads with the highest term (ties: topology order); "a-follower" is the first
 * live follower in topology order; a minority is the leader plus the first followers in
 * topology order. The resolved names are recorded in the fault's trace event (`roles`), so the
 * timeline shows "isolate leader (n3)". A role that resolves to nothing (no leader yet) skips
 * the fault and records a `fault.skipped` event: never a silent no-op.
 *
 * The same registry tells listeners when a fault hit the leader (isolated it from a quorum,
 * crashed or paused it), which `new-leader-within` measures from.
 */
import type { NodeId } from '../core/env.ts';
import type { Random } from '../core/env.ts';
import type { Fault } from './types.ts';
import type { Topology } from './topology.ts';

/** Every role selector, in the order the docs list them. */
export const ROLE_SELECTORS = ['leader', 'followers', 'a-follower', 'leader-dc', 'leader-region', 'minority-with-leader', 'majority-without-leader'] as const;
export type RoleSelector = (typeof ROLE_SELECTORS)[number];
/** Roles that name exactly one node (usable where a fault takes a node: crash, pause, clock, slow-node). */
export const SINGLE_NODE_ROLES: readonly RoleSelector[] = ['leader', 'a-follower'];

export function isRoleSelector(s: string): s is RoleSelector {
  return (ROLE_SELECTORS as readonly string[]).includes(s);
}

/** What the module running the consensus protocol reports about roles right now. */
export interface RoleOracle {
  /** Voting members (topology order). */
  voters(): readonly NodeId[];
  /** Whether `n` is up and believes it leads; its term. */
  leaderClaim(n: NodeId): { term: number } | undefined;
}

/** A fault that hit the leader: from `t`, the cluster needs a leader in a term above `term`. */
export interface LeaderHit {
  readonly t: number;
  readonly leader: NodeId;
  readonly term: number;
  readonly fault: string;
}

interface RoleWorld {
  readonly topology: Topology;
  now(): number;
  isUp(id: NodeId): boolean;
}

interface Registry {
  oracle: RoleOracle;
  hits: ((h: LeaderHit) => void)[];
}

const registries = new WeakMap<object, Registry>();

/** Registers the oracle of a world (the Raft module does, when it runs). */
export function setRoleOracle(world: object, oracle: RoleOracle): void {
  registries.set(world, { oracle, hits: registries.get(world)?.hits ?? [] });
}

/** Calls `fn` whenever a fault hits the current leader. */
export function onLeaderHit(world: object, fn: (h: LeaderHit) => void): void {
  const r = registries.get(world);
  if (!r) throw new Error('onLeaderHit: register a RoleOracle first');
  r.hits.push(fn);
}

/** The current leader and its term (see the file comment), or undefined. */
export function currentLeader(o: RoleOracle): { node: NodeId; term: number } | undefined {
  let best: { node: NodeId; term: number } | undefined;
  for (const n of o.voters()) {
    const c = o.leaderClaim(n);
    if (c && (!best || c.term > best.term)) best = { node: n, term: c.term };
  }
  return best;
}

/** Node groups each role names, given the leader (undefined when there is none). */
function roleNodes(role: RoleSelector, o: RoleOracle, world: RoleWorld): string[] | undefined {
  const topo = world.topology;
  const l = currentLeader(o);
  if (!l) return undefined;
  const voters = o.voters();
  const followers = voters.filter((n) => n !== l.node);
  const minority = [l.node, ...followers.slice(0, Math.max(0, Math.floor(voters.length / 2) - 1))];
  switch (role) {
    case 'leader':
      return [l.node];
    case 'followers':
      return followers.length > 0 ? followers : undefined;
    case 'a-follower': {
      const live = followers.find((n) => world.isUp(n));
      return live ? [live] : undefined;
    }
    case 'leader-dc':
      return [topo.dcOf(l.node)];
    case 'leader-region':
      return [topo.regionOf(l.node)];
    case 'minority-with-leader':
      return minority;
    case 'majority-without-leader':
      return voters.filter((n) => !minority.includes(n));
  }
}

/** Whether a selector string is a role here (a topology name of the same spelling wins). */
function isRoleIn(s: string, topo: Topology): s is RoleSelector {
  return isRoleSelector(s) && !topo.isSelector(s);
}

/** Whether a fault names any role. */
export function usesRoles(f: Fault, topo: Topology): boolean {
  const sels: string[] = [];
  switch (f.kind) {
    case 'partition':
      sels.push(...f.sides.flat());
      break;
    case 'isolate':
      sels.push(f.target);
      break;
    case 'loss':
      if (f.between) sels.push(...f.between);
      break;
    case 'slow-link':
      sels.push(...f.between);
      break;
    case 'heal':
    case 'duplicate':
    case 'reorder':
    case 'forge':
      break;
    default:
      sels.push(f.node);
  }
  return sels.some((s) => isRoleIn(s, topo));
}

export type Resolution =
  | { readonly ok: true; readonly fault: Fault; readonly roles?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The fault with every role replaced by what it names now. Several nodes in one selector
 * slot are joined with '+' (isolate's target); in partition sides they are listed.
 */
export function resolveRoles(world: RoleWorld, f: Fault): Resolution {
  if (!usesRoles(f, world.topology)) return { ok: true, fault: f };
  const reg = registries.get(world);
  if (!reg) return { ok: false, reason: 'role selectors need a raft: section (nothing reports roles)' };
  const seen: string[] = [];
  let missing: string | undefined;
  const one = (s: string): string[] => {
    if (!isRoleIn(s, world.topology)) return [s];
    const got = roleNodes(s, reg.oracle, world);
    if (!got) {
      missing ??= s;
      return [];
    }
    const text = `${s}=${got.join('+')}`;
    if (!seen.includes(text)) seen.push(text);
    return got;
  };
  let out: Fault;
  switch (f.kind) {
    case 'partition':
      out = { ...f, sides: f.sides.map((side) => side.flatMap(one)) };
      break;
    case 'isolate':
      out = { ...f, target: one(f.target).join('+') };
      break;
    case 'loss':
      out = f.between ? { ...f, between: [one(f.between[0]).join('+'), one(f.between[1]).join('+')] } : f;
      break;
    case 'slow-link':
      out = { ...f, between: [one(f.between[0]).join('+'), one(f.between[1]).join('+')] };
      break;
    case 'heal':
    case 'duplicate':
    case 'reorder':
    case 'forge':
      out = f;
      break;
    default:
      out = { ...f, node: one(f.node)[0] ?? f.node };
  }
  if (missing !== undefined) return { ok: false, reason: `"${missing}" names no node now (no leader)` };
  return { ok: true, fault: out, roles: seen.join(' ') };
}

/** Selectors of a resolved fault slot: 'n1+n2' → ['n1', 'n2'] (names never contain '+'). */
export function splitSelector(s: string): string[] {
  return s.split('+');
}

/**
 * Tells the listeners when a (resolved) fault cuts the current leader from a quorum of the
 * voters, or crashes or pauses it.
 */
export function noteFaultForRoles(world: RoleWorld, f: Fault): void {
  const reg = registries.get(world);
  if (!reg || reg.hits.length === 0) return;
  const l = currentLeader(reg.oracle);
  if (!l) return;
  const voters = reg.oracle.voters();
  const quorum = Math.floor(voters.length / 2) + 1;
  const nodesOf = (sels: readonly string[]) => new Set(sels.flatMap((s) => splitSelector(s)).flatMap((s) => world.topology.resolve(s).map((i) => world.topology.nodes[i]!)));
  let hit = false;
  switch (f.kind) {
    case 'crash':
    case 'pause':
      hit = f.node === l.node;
      break;
    case 'isolate': {
      const inside = nodesOf([f.target]);
      const reach = inside.has(l.node) ? voters.filter((v) => inside.has(v)) : voters.filter((v) => !inside.has(v));
      hit = reach.length < quorum;
      break;
    }
    case 'partition': {
      const sides = f.sides.map((s) => nodesOf(s));
      const mine = sides.findIndex((s) => s.has(l.node));
      if (mine < 0 || (f.oneWay && mine !== 0)) break;
      // The leader still reaches the voters on its own side and those in no side.
      const elsewhere = new Set(sides.filter((_, i) => i !== mine).flatMap((s) => [...s]));
      hit = voters.filter((v) => !elsewhere.has(v)).length < quorum;
      break;
    }
    default:
      break;
  }
  if (!hit) return;
  const h: LeaderHit = { t: world.now(), leader: l.node, term: l.term, fault: f.kind };
  for (const fn of reg.hits) fn(h);
}

/**
 * A nemesis target for a node fault of `kind` drawn from `targets`: isolate takes any; crash,
 * pause, clock and slow-node take node names and one-node roles. Undefined: draw as usual.
 */
export function nemesisTarget(topo: Topology, kind: string, targets: readonly string[], random: Random): string | undefined {
  if (kind === 'isolate') return random.pick(targets);
  if (kind !== 'crash' && kind !== 'pause' && kind !== 'clock' && kind !== 'slow-node') return undefined;
  const ok = targets.filter((t) => (isRoleIn(t, topo) ? SINGLE_NODE_ROLES.includes(t) : topo.has(t)));
  return ok.length > 0 ? random.pick(ok) : undefined;
}
