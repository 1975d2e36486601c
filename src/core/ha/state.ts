/**
 * The replicated HA state: monitored targets (key -> config), the declared health of each,
 * a bounded log of events, and failover groups with their "active" key. A self-contained
 * state machine for 'ha.*' commands, composed into the replicated store by its owner.
 *
 * Active-key rule: when the active target goes DOWN the active key moves to the first UP
 * target of the group (in the group's order); with none UP the group is "unavailable" and
 * the active key stays, until some target of the group comes UP. No automatic fail-back when
 * the old primary returns: switching clients twice is left to an operator (our choice: a
 * flapping primary must not bounce every client between regions).
 */
import { assert } from '../env.ts';
import type { ApplyContext, StateMachine } from '../sm.ts';
import type { HaApplyResult, HaCommand } from './commands.ts';
import type { ActiveChange, FailoverGroup, HaEvent, Health, TargetConfig, TargetKey } from './types.ts';

export interface HaSnapshot {
  readonly targets: readonly TargetConfig[];
  readonly health: readonly (readonly [TargetKey, Health])[];
  readonly groups: readonly FailoverGroup[];
  readonly events: readonly HaEvent[];
  readonly eventCount: number;
  readonly revision: number;
}

export type HaApplyListener = (cmd: HaCommand, result: HaApplyResult, ctx: ApplyContext) => void;

/** Limits on names and lists, so one command cannot blow up every replica. */
export const HA_MAX_KEY_LENGTH = 512;
export const HA_MAX_VALUE_LENGTH = 4096;
export const HA_MAX_GROUP_SIZE = 16;

export class HaStateMachine implements StateMachine<HaCommand, HaApplyResult> {
  private targetMap = new Map<TargetKey, TargetConfig>();
  private healthMap = new Map<TargetKey, Health>();
  private groupMap = new Map<string, FailoverGroup>();
  private eventLog: HaEvent[] = [];
  private eventTotal = 0;
  private rev = 0;
  private readonly listeners: HaApplyListener[] = [];

  constructor(
    private readonly maxTargets = 1024,
    private readonly maxEvents = 1000,
  ) {}

  /** Called after every apply (on every replica): the HA service starts/stops checks and notifies. */
  subscribe(listener: HaApplyListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  apply(cmd: HaCommand, ctx: ApplyContext): HaApplyResult {
    assert(ctx.index > this.rev, () => `ha state: apply index ${ctx.index} <= revision ${this.rev}`);
    const result = this.applyInner(cmd, ctx);
    this.rev = ctx.index;
    this.checkInvariants();
    for (const l of [...this.listeners]) l(cmd, result, ctx);
    return result;
  }

  private applyInner(cmd: HaCommand, ctx: ApplyContext): HaApplyResult {
    switch (cmd.type) {
      case 'ha.target.put': {
        if (cmd.key.length === 0 || cmd.key.length > HA_MAX_KEY_LENGTH) return { ok: false, reason: 'bad key' };
        if (cmd.value.length > HA_MAX_VALUE_LENGTH) return { ok: false, reason: 'value too long' };
        if (!this.targetMap.has(cmd.key) && this.targetMap.size >= this.maxTargets) return { ok: false, reason: 'too many targets' };
        this.targetMap.set(cmd.key, { key: cmd.key, value: cmd.value });
        // A new target is assumed UP (as the seed does): its first event, if any, is DOWN.
        if (!this.healthMap.has(cmd.key)) this.healthMap.set(cmd.key, 'up');
        return { ok: true, activeChanges: this.settleGroups() };
      }
      case 'ha.target.delete': {
        if (!this.targetMap.has(cmd.key)) return { ok: false, reason: 'no such target' };
        this.targetMap.delete(cmd.key);
        this.healthMap.delete(cmd.key);
        return { ok: true, activeChanges: this.settleGroups() };
      }
      case 'ha.group.put': {
        const ts = cmd.targets;
        if (cmd.name.length === 0 || cmd.name.length > HA_MAX_KEY_LENGTH) return { ok: false, reason: 'bad group name' };
        if (ts.length === 0 || ts.length > HA_MAX_GROUP_SIZE) return { ok: false, reason: 'bad group size' };
        if (new Set(ts).size !== ts.length) return { ok: false, reason: 'duplicate target in group' };
        const old = this.groupMap.get(cmd.name);
        const active = old && ts.includes(old.active) ? old.active : ts[0]!;
        this.groupMap.set(cmd.name, { name: cmd.name, targets: [...ts], active, unavailable: false });
        return { ok: true, activeChanges: this.settleGroups() };
      }
      case 'ha.group.delete': {
        if (!this.groupMap.delete(cmd.name)) return { ok: false, reason: 'no such group' };
        return { ok: true, activeChanges: [] };
      }
      case 'ha.event': {
        const cur = this.healthMap.get(cmd.key);
        if (cur === undefined) return { ok: false, reason: 'no such target' };
        if (cur !== cmd.from || cmd.from === cmd.to) return { ok: false, reason: `stale event: state is ${cur}` };
        this.healthMap.set(cmd.key, cmd.to);
        const event: HaEvent = {
          id: ctx.index,
          key: cmd.key,
          from: cmd.from,
          to: cmd.to,
          decidedBy: cmd.decidedBy,
          decidedAtUs: cmd.decidedAtUs,
          agree: cmd.agree,
          live: cmd.live,
          known: cmd.known,
        };
        this.eventLog.push(event);
        this.eventTotal++;
        if (this.eventLog.length > this.maxEvents) this.eventLog.splice(0, this.eventLog.length - this.maxEvents);
        return { ok: true, event, activeChanges: this.settleGroups() };
      }
    }
  }

  /** Moves active keys off DOWN targets and back into service when a group recovers. */
  private settleGroups(): ActiveChange[] {
    const changes: ActiveChange[] = [];
    for (const name of [...this.groupMap.keys()].sort()) {
      const g = this.groupMap.get(name)!;
      if (this.isUp(g.active)) {
        if (g.unavailable) this.groupMap.set(name, { ...g, unavailable: false });
        continue;
      }
      const next = g.targets.find((t) => this.isUp(t));
      if (next === undefined) {
        if (!g.unavailable) this.groupMap.set(name, { ...g, unavailable: true });
        continue;
      }
      changes.push({ group: name, from: g.active, to: next });
      this.groupMap.set(name, { ...g, active: next, unavailable: false });
    }
    return changes;
  }

  private isUp(key: TargetKey): boolean {
    return this.targetMap.has(key) && this.healthMap.get(key) === 'up';
  }

  private checkInvariants(): void {
    assert(this.targetMap.size === this.healthMap.size, 'ha state: every target has exactly one health');
    assert(this.targetMap.size <= this.maxTargets, 'ha state: too many targets');
    assert(this.eventLog.length <= this.maxEvents, 'ha state: event log over its bound');
    for (const g of this.groupMap.values()) {
      assert(g.targets.includes(g.active), () => `ha state: group ${g.name} active ${g.active} not a member`);
      assert(!g.unavailable || !g.targets.some((t) => this.isUp(t)), () => `ha state: group ${g.name} unavailable with an UP target`);
    }
  }

  // ---- reads (local; callers wanting linearizability take a read barrier first) ----

  revision(): number {
    return this.rev;
  }
  targets(): TargetConfig[] {
    return [...this.targetMap.keys()].sort().map((k) => this.targetMap.get(k)!);
  }
  target(key: TargetKey): TargetConfig | undefined {
    return this.targetMap.get(key);
  }
  health(key: TargetKey): Health | undefined {
    return this.healthMap.get(key);
  }
  /** Declared health of every target (sorted by key). */
  healthAll(): Map<TargetKey, Health> {
    return new Map([...this.healthMap.keys()].sort().map((k) => [k, this.healthMap.get(k)!]));
  }
  group(name: string): FailoverGroup | undefined {
    return this.groupMap.get(name);
  }
  groups(): FailoverGroup[] {
    return [...this.groupMap.keys()].sort().map((k) => this.groupMap.get(k)!);
  }
  /** Groups a target belongs to. */
  groupsOf(key: TargetKey): FailoverGroup[] {
    return this.groups().filter((g) => g.targets.includes(key));
  }
  events(): readonly HaEvent[] {
    return this.eventLog;
  }
  eventCount(): number {
    return this.eventTotal;
  }

  snapshot(): HaSnapshot {
    return {
      targets: this.targets(),
      health: [...this.healthAll()],
      groups: this.groups().map((g) => ({ ...g, targets: [...g.targets] })),
      events: this.eventLog.map((e) => ({ ...e })),
      eventCount: this.eventTotal,
      revision: this.rev,
    };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as HaSnapshot;
    assert(Array.isArray(s.targets) && Array.isArray(s.health) && Array.isArray(s.groups), 'ha state: bad snapshot');
    this.targetMap = new Map(s.targets.map((t) => [t.key, { key: t.key, value: t.value }]));
    this.healthMap = new Map(s.health.map(([k, h]) => [k, h]));
    this.groupMap = new Map(s.groups.map((g) => [g.name, { ...g, targets: [...g.targets] }]));
    this.eventLog = s.events.map((e) => ({ ...e }));
    this.eventTotal = s.eventCount;
    this.rev = s.revision;
    this.checkInvariants();
  }
}
