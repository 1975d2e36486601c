/** A run stopped because a core threw (a broken invariant is the usual cause). */
import type { Micros, NodeId } from '../core/env.ts';

export class SimulationError extends Error {
  constructor(
    readonly time: Micros,
    readonly node: NodeId | undefined,
    readonly service: string | undefined,
    override readonly cause: unknown,
  ) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`at t=${time}µs${node ? ` on ${node}` : ''}${service ? `/${service}` : ''}: ${what}`);
    this.name = 'SimulationError';
  }
}
