/**
 * Faults are data: `applyFault` turns one into changes of the world, counts it, records it in
 * the trace (so a run shows which faults actually fired), and schedules its end when it has
 * a `for` duration.
 */
import type { Micros, NodeId, Timer } from '../core/env.ts';
import type { Network } from './network.ts';
import type { Topology } from './topology.ts';
import type { Fault, FaultKind } from './types.ts';

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
  atTime(t: Micros, fn: () => void): Timer;
  now(): Micros;
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
    case 'heal':
      break;
  }
  if ('for' in f && f.for !== undefined) d.for = f.for;
  return d;
}

export function applyFault(w: FaultTarget, f: Fault): void {
  w.countFault(f.kind);
  w.emit('fault', describeFault(f));
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
      const inside = w.topology.mask([f.target]);
      const outside = inside.map((v) => (v ? 0 : 1));
      const id = w.newFaultId();
      w.network.addCut(id, inside, outside, true);
      end(() => w.network.removeCut(id));
      return;
    }
    case 'heal':
      w.network.removeAllCuts();
      return;
    case 'crash':
      w.crash(f.node);
      end(() => {
        if (!w.isUp(f.node)) w.restart(f.node);
      });
      return;
    case 'restart':
      w.restart(f.node);
      return;
    case 'pause':
      w.pause(f.node);
      end(() => w.resume(f.node));
      return;
    case 'resume':
      w.resume(f.node);
      return;
    case 'clock': {
      const before = w.clockOf(f.node);
      w.setClock(f.node, f.skew, f.drift ?? 0);
      end(() => w.setClock(f.node, before.skew, before.drift));
      return;
    }
    case 'loss': {
      const id = w.newFaultId();
      const a = f.between ? w.topology.mask([f.between[0]]) : null;
      const b = f.between ? w.topology.mask([f.between[1]]) : null;
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
      w.network.addSlow(id, f.extra, w.topology.mask([f.between[0]]), w.topology.mask([f.between[1]]));
      end(() => w.network.removeRule(id));
      return;
    }
    case 'slow-node':
      w.setSlow(f.node, f.extra);
      end(() => w.setSlow(f.node, 0));
      return;
  }
}
