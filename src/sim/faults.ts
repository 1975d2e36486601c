/**
 * Faults are data: `applyFault` turns one into changes of the world, counts it, records it in
 * the trace (so a run shows which faults actually fired), and schedules its end when it has
 * a `for` duration.
 */
import type { Message, Micros, NodeId, Timer } from '../core/env.ts';
import type { MemoryStorage } from '../host/memory-storage.ts';
import type { Network } from './network.ts';
import { applyStorageFault, setDiskFull } from './storage-faults.ts';
import type { Topology } from './topology.ts';
import type { Fault, FaultKind } from './types.ts';
import { noteFaultForRoles, resolveRoles, splitSelector } from './roles.ts';

/** The primitives of a world that faults are made of. */
export interface FaultTarget {
  readonly topology: Topology;
  readonly network: Network;
  newFaultId(): number;
  countFault(kind: FaultKind): void;
  emit(kind: string, fields: Record<string, unknown>, node?: NodeId): void;
  crash(id: NodeId): boolean;
  restart(id: NodeId): void;
  pause(id: NodeId): boolean;
  resume(id: NodeId): boolean;
  isUp(id: NodeId): boolean;
  setClock(id: NodeId, skew: Micros, drift: number): void;
  clockOf(id: NodeId): { skew: Micros; drift: number };
  setSlow(id: NodeId, extra: Micros): void;
  disks(id: NodeId): ReadonlyMap<string, MemoryStorage>;
  /** Sends `ratePerSec` hostile messages per second until `untilUs` (src/sim/forge.ts). */
  forge(ratePerSec: number, untilUs: Micros): void;
  atTime(t: Micros, fn: () => void): Timer;
  now(): Micros;
  /** Hears every delivery just before its handler runs (crash points, src/sim/crash-points.ts). */
  tapDeliveries(fn: (to: NodeId, from: NodeId, svc: string, msg: Message, reliable: boolean) => void): void;
}

/** A short, scalar description of a fault for the trace. */
export function describeFault(f: Fault): Record<string, string | number | boolean> {
  const d: Record<string, string | number | boolean> = { fault: f.kind };
  switch (f.kind) {
    case 'partition':
      d.sides = f.sides.map((s) => s.join('+')).join(f.oneWay ? ' -/-> ' : ' | ');
      break;
    case 'isolate':
      d.target = f.target;
      break;
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
      d.target = f.node;
      break;
    case 'clock':
      d.target = f.node;
      d.skew = f.skew;
      d.drift = f.drift ?? 0;
      break;
    case 'loss':
      d.p = f.p;
      if (f.between) d.target = f.between.join('<->');
      break;
    case 'duplicate':
      d.p = f.p;
      break;
    case 'reorder':
      d.p = f.p;
      d.window = f.window;
      break;
    case 'slow-link':
      d.target = f.between.join('<->');
      d.extra = f.extra;
      break;
    case 'slow-node':
      d.target = f.node;
      d.extra = f.extra;
      break;
    case 'corrupt':
      d.target = f.node;
      d.where = f.where;
      if (f.records !== undefined) d.records = f.records;
      if (f.key !== undefined) d.key = f.key;
      if (f.svc !== undefined) d.svc = f.svc;
      break;
    case 'wipe':
    case 'restore-stale':
    case 'disk-full':
      d.target = f.node;
      break;
    case 'forge':
      d.rate = f.rate;
      break;
    case 'heal':
      break;
  }
  if ('for' in f && f.for !== undefined) d.for = f.for;
  return d;
}

/**
 * Who holds each node in a fault, so that overlapping faults of one kind end correctly: a
 * node paused by two faults resumes when the last one ends, a crash's end restarts only the
 * incarnation that crash took down, clock and slow-node faults restore what the remaining
 * ones say rather than what was there before.
 */
class FaultBook {
  readonly pausedBy = new Map<NodeId, Set<number>>();
  readonly crashedBy = new Map<NodeId, number>();
  readonly clocks = new Map<NodeId, { id: number; skew: Micros; drift: number }[]>();
  readonly slows = new Map<NodeId, { id: number; extra: Micros }[]>();

  entries<T>(map: Map<NodeId, T[]>, node: NodeId): T[] {
    let list = map.get(node);
    if (!list) map.set(node, (list = []));
    return list;
  }
}

const books = new WeakMap<FaultTarget, FaultBook>();
function bookOf(w: FaultTarget): FaultBook {
  let b = books.get(w);
  if (!b) books.set(w, (b = new FaultBook()));
  return b;
}

export function applyFault(w: FaultTarget, named: Fault): void {
  // Role selectors (leader, followers, ...) name nodes as of now (src/sim/roles.ts).
  const r = resolveRoles(w, named);
  if (!r.ok) {
    w.emit('fault.skipped', { ...describeFault(named), reason: r.reason });
    return;
  }
  const f = r.fault;
  noteFaultForRoles(w, f);
  const book = bookOf(w);
  w.countFault(f.kind);
  w.emit('fault', r.roles ? { ...describeFault(f), roles: r.roles } : describeFault(f));
  const end = (undo: () => void) => {
    if ('for' in f && f.for !== undefined) {
      w.atTime(w.now() + f.for, () => {
        undo();
        w.emit('fault.end', describeFault(f));
      });
    }
  };
  switch (f.kind) {
    case 'partition': {
      if (f.sides.length < 2) throw new Error('a partition needs at least two sides');
      const masks = f.sides.map((s) => w.topology.mask(s));
      const ids: number[] = [];
      if (f.oneWay) {
        for (let j = 1; j < masks.length; j++) {
          const id = w.newFaultId();
          w.network.addCut(id, masks[0]!, masks[j]!, false);
          ids.push(id);
        }
      } else {
        for (let i = 0; i < masks.length; i++)
          for (let j = i + 1; j < masks.length; j++) {
            const id = w.newFaultId();
            w.network.addCut(id, masks[i]!, masks[j]!, true);
            ids.push(id);
          }
      }
      end(() => ids.forEach((id) => w.network.removeCut(id)));
      return;
    }
    case 'isolate': {
      const inside = w.topology.mask(splitSelector(f.target));
      const outside = inside.map((v) => (v ? 0 : 1));
      const id = w.newFaultId();
      w.network.addCut(id, inside, outside, true);
      end(() => w.network.removeCut(id));
      return;
    }
    case 'heal':
      w.network.removeAllCuts();
      return;
    case 'crash': {
      const id = w.newFaultId();
      if (w.crash(f.node)) {
        book.crashedBy.set(f.node, id);
        book.pausedBy.delete(f.node); // a crash ends every pause
      }
      end(() => {
        // Only the crash that took this incarnation down brings it back.
        if (book.crashedBy.get(f.node) !== id) return;
        book.crashedBy.delete(f.node);
        if (!w.isUp(f.node)) w.restart(f.node);
      });
      return;
    }
    case 'restart':
      book.crashedBy.delete(f.node);
      book.pausedBy.delete(f.node);
      w.restart(f.node);
      return;
    case 'pause': {
      const id = w.newFaultId();
      if (w.isUp(f.node)) {
        const by = book.pausedBy.get(f.node) ?? new Set<number>();
        by.add(id);
        book.pausedBy.set(f.node, by);
        w.pause(f.node);
      }
      end(() => {
        const by = book.pausedBy.get(f.node);
        if (!by?.delete(id)) return;
        if (by.size === 0) {
          book.pausedBy.delete(f.node);
          w.resume(f.node);
        }
      });
      return;
    }
    case 'resume':
      book.pausedBy.delete(f.node);
      w.resume(f.node);
      return;
    case 'clock': {
      const id = w.newFaultId();
      const stack = book.entries(book.clocks, f.node);
      stack.push({ id, skew: f.skew, drift: f.drift ?? 0 });
      w.setClock(f.node, f.skew, f.drift ?? 0);
      end(() => {
        const i = stack.findIndex((e) => e.id === id);
        if (i < 0) return;
        const wasTop = i === stack.length - 1;
        stack.splice(i, 1);
        if (!wasTop) return; // a later clock fault still rules
        const top = stack[stack.length - 1];
        w.setClock(f.node, top?.skew ?? 0, top?.drift ?? 0);
      });
      return;
    }
    case 'loss': {
      const id = w.newFaultId();
      const a = f.between ? w.topology.mask(splitSelector(f.between[0])) : null;
      const b = f.between ? w.topology.mask(splitSelector(f.between[1])) : null;
      w.network.addLoss(id, f.p, a, b);
      end(() => w.network.removeRule(id));
      return;
    }
    case 'duplicate': {
      const id = w.newFaultId();
      w.network.addDuplicate(id, f.p);
      end(() => w.network.removeRule(id));
      return;
    }
    case 'reorder': {
      const id = w.newFaultId();
      w.network.addReorder(id, f.p, f.window);
      end(() => w.network.removeRule(id));
      return;
    }
    case 'slow-link': {
      const id = w.newFaultId();
      w.network.addSlow(id, f.extra, w.topology.mask(splitSelector(f.between[0])), w.topology.mask(splitSelector(f.between[1])));
      end(() => w.network.removeRule(id));
      return;
    }
    case 'corrupt':
    case 'wipe':
    case 'restore-stale':
      // A storage fault that takes the node down does it as a crash would (same bookkeeping).
      applyStorageFault(w, f, (then) => {
        const id = w.newFaultId();
        if (w.crash(f.node)) {
          book.crashedBy.set(f.node, id);
          book.pausedBy.delete(f.node);
        }
        then?.();
        const back = () => {
          if (book.crashedBy.get(f.node) !== id) return;
          book.crashedBy.delete(f.node);
          if (!w.isUp(f.node)) w.restart(f.node);
        };
        if (f.kind === 'restore-stale') back();
        else end(back);
      });
      return;
    case 'disk-full':
      setDiskFull(w, f.node, true);
      end(() => {
        setDiskFull(w, f.node, false);
        // Room again: a node its failed sync stopped comes back (not one another fault holds down).
        if (!w.isUp(f.node) && !book.crashedBy.has(f.node)) w.restart(f.node);
      });
      return;
    case 'slow-node': {
      const id = w.newFaultId();
      const list = book.entries(book.slows, f.node);
      list.push({ id, extra: f.extra });
      const slowest = () => list.reduce((m, e) => Math.max(m, e.extra), 0);
      w.setSlow(f.node, slowest());
      end(() => {
        const i = list.findIndex((e) => e.id === id);
        if (i >= 0) list.splice(i, 1);
        w.setSlow(f.node, slowest());
      });
      return;
    }
    case 'forge':
      // Without `for` it runs to the end of the run; its end is only a trace marker.
      w.forge(f.rate, f.for !== undefined ? w.now() + f.for : Number.MAX_SAFE_INTEGER);
      end(() => {});
      return;
  }
}
