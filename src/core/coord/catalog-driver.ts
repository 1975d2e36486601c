/**
 * CatalogDriver: the leader's timers for the catalog.
 *
 * - TTL checks: a check with definition.ttlUs turns critical ("TTL expired") unless updated
 *   within the TTL. Every applied update of the check re-arms it.
 * - DeregisterCriticalServiceAfter: a service check critical for that long gets its service
 *   deregistered (minimum 1 min, as Consul).
 * On a leader change every timer restarts from full, as with leases and sessions: a check is
 * never failed or a service removed early because of the change.
 */
import { DEREGISTER_CRITICAL_MIN_US } from './config.ts';
import { Deadlines } from './deadlines.ts';
import { LeaderDriver } from './leader-driver.ts';
import type { CheckRecord } from './checks.ts';
import { MAX_CATALOG_NODES, MAX_CHECKS_PER_NODE } from './catalog.ts';
import type { Env } from '../env.ts';
import type { Replicator } from '../raft/api.ts';
import type { CoordStore } from '../store/coord-store.ts';
import type { StoreCommand, StoreResult } from '../store/commands.ts';
import type { AppliedEntry } from '../store/effects.ts';

const SEP = '\u0000';
const keyOf = (node: string, checkId: string) => `${node}${SEP}${checkId}`;
const split = (k: string): [string, string] => {
  const i = k.indexOf(SEP);
  return [k.slice(0, i), k.slice(i + 1)];
};

export class CatalogDriver extends LeaderDriver {
  private readonly ttl: Deadlines;
  private readonly reap: Deadlines;

  constructor(env: Env, raft: Replicator<StoreCommand, StoreResult>, store: CoordStore) {
    super(env, raft, store);
    const limit = Math.min(1_000_000, MAX_CATALOG_NODES * MAX_CHECKS_PER_NODE);
    this.ttl = new Deadlines(env, (k) => this.ttlExpired(k), limit);
    this.reap = new Deadlines(env, (k) => this.deregisterCritical(k), limit);
  }

  private track(c: CheckRecord, fresh: boolean): void {
    const k = keyOf(c.node, c.checkId);
    if (c.definition.ttlUs !== undefined && c.definition.ttlUs > 0) {
      // Only a passing/warning check can expire into critical.
      if (c.status !== 'critical') this.ttl.setAfter(k, c.definition.ttlUs);
      else this.ttl.delete(k);
    }
    const after = c.definition.deregisterCriticalServiceAfterUs;
    if (after !== undefined && c.serviceId !== '') {
      if (c.status === 'critical') {
        if (fresh || !this.reap.has(k)) this.reap.setAfter(k, Math.max(after, DEREGISTER_CRITICAL_MIN_US));
      } else this.reap.delete(k);
    }
  }

  protected promote(): void {
    for (const c of this.store.catalog.allChecks()) this.track(c, true);
  }

  protected demote(): void {
    this.ttl.clear();
    this.reap.clear();
  }

  protected onApplied(e: AppliedEntry): void {
    for (const fx of e.effects) {
      if (fx.kind === 'check.updated') {
        const c = this.store.catalog.getCheck(fx.node, fx.checkId);
        if (c) this.track(c, false);
      } else if (fx.kind === 'check.removed') {
        this.ttl.delete(keyOf(fx.node, fx.checkId));
        this.reap.delete(keyOf(fx.node, fx.checkId));
      }
    }
  }

  private ttlExpired(k: string): void {
    const [node, checkId] = split(k);
    const c = this.store.catalog.getCheck(node, checkId);
    if (!c || c.status === 'critical') return;
    this.env.trace('check.ttl-expired', { node, checkId });
    this.proposeRetrying(
      { type: 'check.update', node, checkId, status: 'critical', output: 'TTL expired' },
      // Not re-armed since (an update of the check, or a promote, restarts its TTL).
      () => this.store.catalog.getCheck(node, checkId)?.status !== 'critical' && !this.ttl.has(k),
    );
  }

  private deregisterCritical(k: string): void {
    const [node, checkId] = split(k);
    const c = this.store.catalog.getCheck(node, checkId);
    if (!c || c.status !== 'critical' || c.serviceId === '') return;
    const serviceId = c.serviceId;
    this.env.trace('service.deregister-critical', { node, serviceId, checkId });
    this.proposeRetrying(
      { type: 'catalog.deregister', node, serviceId },
      // Still critical (a passing update voids the decision; a promote voids it through the
      // epoch). Not tied to the reap deadline: a repeated critical update re-arms it after it fired.
      () => this.store.catalog.getCheck(node, checkId)?.status === 'critical' && this.store.catalog.servicesOfNode(node).some((s) => s.id === serviceId),
    );
  }
}
