/**
 * The failover story at one instant, for the TUI's failover panel (key o): each monitored
 * target with its replicated state and every observer's latest own result, the recent HA
 * events, and each application client (connected target, ok / failed requests, how long its
 * current outage has lasted). Read duck-typed, as snapshot.ts reads the cores: an HA service
 * exposes status() (targets, groups, events), a failover client exposes liveClient().
 */
import type { Micros } from '../core/env.ts';
import type { World } from '../sim/index.ts';

export type TargetState = 'UP' | 'DOWN' | 'UNKNOWN';

export interface TargetRow {
  readonly key: string;
  /** The replicated state (the Raft-committed HA state), as the most up-to-date observer has it. */
  readonly state: TargetState;
  /** Active target of some failover group. */
  readonly active: boolean;
  /** Each observer's own latest debounced result ('up' / 'down' / '?' before its first, 'off' when down). */
  readonly results: readonly { readonly observer: string; readonly result: string }[];
}

export interface HaEventRow {
  readonly t: Micros;
  readonly text: string;
}

export interface ClientRow {
  readonly node: string;
  readonly dc: string;
  /** The target it calls ('-' before its agent told it one). */
  readonly target: string;
  readonly ok: number;
  readonly fail: number;
  /** Length of the outage it is in now (0: its last request succeeded). */
  readonly outageUs: Micros;
  readonly up: boolean;
}

export interface FailoverSnapshot {
  readonly targets: readonly TargetRow[];
  readonly events: readonly HaEventRow[];
  readonly clients: readonly ClientRow[];
}

/** Recent events kept for the panel. */
export const PANEL_EVENTS = 5;

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null;
const method = (o: unknown, name: string): (() => unknown) | undefined => {
  const f = isDict(o) ? o[name] : undefined;
  return typeof f === 'function' ? () => (f as (this: unknown) => unknown).call(o) : undefined;
};

interface HaStatusView {
  readonly leader: boolean;
  readonly targets: readonly { key: string; health?: unknown; reported?: unknown }[];
  readonly groups: readonly { active?: unknown }[];
  readonly events: readonly { id?: unknown; key?: unknown; from?: unknown; to?: unknown; decidedBy?: unknown; decidedAtUs?: unknown }[];
}

function haStatusOf(app: unknown): HaStatusView | undefined {
  if (!isDict(app)) return undefined;
  for (const part of Object.values(app)) {
    const status = method(part, 'status');
    if (!status || !method(part, 'observers')) continue;
    const s = status();
    if (!isDict(s) || !Array.isArray(s.targets) || !Array.isArray(s.groups) || !Array.isArray(s.events)) continue;
    const targets = s.targets.filter((t): t is HaStatusView['targets'][number] => isDict(t) && typeof t.key === 'string');
    return { leader: s.leader === true, targets, groups: s.groups.filter(isDict), events: s.events.filter(isDict) };
  }
  return undefined;
}

function liveClientOf(app: unknown): Omit<ClientRow, 'up'> | undefined {
  if (!isDict(app)) return undefined;
  for (const part of Object.values(app)) {
    const live = method(part, 'liveClient');
    const c = live?.();
    if (!isDict(c) || typeof c.node !== 'string') continue;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return { node: c.node, dc: String(c.dc ?? ''), target: typeof c.target === 'string' ? c.target : '-', ok: num(c.ok), fail: num(c.fail), outageUs: num(c.outageUs) };
  }
  return undefined;
}

const stateOf = (health: unknown): TargetState => (health === 'up' ? 'UP' : health === 'down' ? 'DOWN' : 'UNKNOWN');

/** undefined when the run has no failover service and no failover clients. */
export function snapshotFailover(world: World): FailoverSnapshot | undefined {
  const observers: { node: string; status: HaStatusView | undefined; up: boolean }[] = [];
  const clients: ClientRow[] = [];
  let best: HaStatusView | undefined;
  for (const node of world.topology.nodes) {
    const app = world.app(node);
    const up = world.isUp(node);
    const status = up ? haStatusOf(app) : undefined;
    if (status) {
      observers.push({ node, status, up });
      // The leader's copy is the freshest; otherwise the one that has seen the most events.
      if (!best || (status.leader && !best.leader) || (best.leader === status.leader && status.events.length > best.events.length)) best = status;
    } else if (isDict(app) && Object.values(app).some((p) => method(p, 'observers'))) observers.push({ node, status: undefined, up });
    const client = liveClientOf(app);
    if (client) clients.push({ ...client, up });
  }
  if (!best && clients.length === 0) return undefined;
  const active = new Set((best?.groups ?? []).map((g) => g.active).filter((a): a is string => typeof a === 'string'));
  const targets: TargetRow[] = (best?.targets ?? []).map((t) => ({
    key: t.key,
    state: stateOf(t.health),
    active: active.has(t.key),
    results: observers.map((o) => {
      if (!o.status) return { observer: o.node, result: 'off' };
      const mine = o.status.targets.find((x) => x.key === t.key);
      return { observer: o.node, result: typeof mine?.reported === 'string' ? mine.reported : '?' };
    }),
  }));
  const events = (best?.events ?? []).slice(-PANEL_EVENTS).map((e) => ({
    t: typeof e.decidedAtUs === 'number' ? e.decidedAtUs : 0,
    text: `${String(e.key)} ${String(e.from).toUpperCase()} → ${String(e.to).toUpperCase()} (by ${String(e.decidedBy)})`,
  }));
  return { targets, events, clients };
}
