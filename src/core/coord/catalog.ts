/**
 * The replicated Consul-style catalog: nodes, services and their health checks (pure part).
 *
 * Consul semantics kept: a registration upserts the node, optionally one service and some
 * checks; a new check starts critical; deregistering a node removes its services and checks;
 * deregistering a service removes its checks; a health query can keep only instances whose
 * node and service checks all pass. Time-based transitions (TTL checks expiring,
 * DeregisterCriticalServiceAfter) are proposed by the leader's CatalogDriver.
 */
import { assert, type Micros } from '../env.ts';
import type { CheckInput, CheckRecord, CheckStatus } from './checks.ts';
import type { CheckLookup } from './sessions.ts';

export interface CatalogNode {
  readonly node: string;
  readonly address: string;
  readonly meta: Readonly<Record<string, string>>;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface ServiceInput {
  readonly id?: string;
  readonly service: string;
  readonly tags?: readonly string[];
  readonly address?: string;
  readonly port?: number;
  readonly meta?: Readonly<Record<string, string>>;
}

export interface ServiceRecord {
  readonly node: string;
  readonly id: string;
  readonly service: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface HealthEntry {
  readonly node: CatalogNode;
  readonly service: ServiceRecord;
  /** Node-level checks then the service's checks, sorted by id. */
  readonly checks: readonly CheckRecord[];
}

export interface CatalogSnapshot {
  readonly nodes: readonly CatalogNode[];
  readonly services: readonly ServiceRecord[];
  readonly checks: readonly CheckRecord[];
}

/** Bounds (ours): a catalog of a simulated cluster stays small. */
export const MAX_CATALOG_NODES = 10_000;
export const MAX_SERVICES_PER_NODE = 1_000;
export const MAX_CHECKS_PER_NODE = 2_000;

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A check whose status or existence changed in one apply (the store reacts: sessions). */
export interface CheckChange {
  readonly node: string;
  readonly checkId: string;
  /** undefined: the check was removed. */
  readonly status: CheckStatus | undefined;
}

export class Catalog implements CheckLookup {
  private readonly nodes = new Map<string, CatalogNode>();
  /** node → service id → service */
  private readonly services = new Map<string, Map<string, ServiceRecord>>();
  /** node → check id → check */
  private readonly checks = new Map<string, Map<string, CheckRecord>>();

  hasNode(node: string): boolean {
    return this.nodes.has(node);
  }

  checkStatus(node: string, checkId: string): CheckStatus | undefined {
    return this.checks.get(node)?.get(checkId)?.status;
  }

  getNode(node: string): CatalogNode | undefined {
    return this.nodes.get(node);
  }

  getCheck(node: string, checkId: string): CheckRecord | undefined {
    return this.checks.get(node)?.get(checkId);
  }

  listNodes(): CatalogNode[] {
    return [...this.nodes.values()].sort((a, b) => byKey(a.node, b.node));
  }

  /** Every check of every node, sorted by (node, id). */
  allChecks(): CheckRecord[] {
    const out: CheckRecord[] = [];
    for (const n of [...this.checks.keys()].sort(byKey)) {
      for (const c of [...this.checks.get(n)!.values()].sort((a, b) => byKey(a.checkId, b.checkId))) out.push(c);
    }
    return out;
  }

  checksOfNode(node: string): CheckRecord[] {
    return [...(this.checks.get(node)?.values() ?? [])].sort((a, b) => byKey(a.checkId, b.checkId));
  }

  servicesOfNode(node: string): ServiceRecord[] {
    return [...(this.services.get(node)?.values() ?? [])].sort((a, b) => byKey(a.id, b.id));
  }

  /** service name → sorted tags union, as Consul's /v1/catalog/services. */
  serviceNames(): Record<string, string[]> {
    const out: Record<string, Set<string>> = {};
    for (const m of this.services.values()) {
      for (const s of m.values()) {
        const set = (out[s.service] ??= new Set());
        for (const t of s.tags) set.add(t);
      }
    }
    const res: Record<string, string[]> = {};
    for (const name of Object.keys(out).sort(byKey)) res[name] = [...out[name]!].sort(byKey);
    return res;
  }

  /** Instances of a service (optionally with a tag), sorted by (node, id). */
  serviceInstances(name: string, tag?: string): ServiceRecord[] {
    const out: ServiceRecord[] = [];
    for (const n of [...this.services.keys()].sort(byKey)) {
      for (const s of this.servicesOfNode(n)) {
        if (s.service === name && (tag === undefined || s.tags.includes(tag))) out.push(s);
      }
    }
    return out;
  }

  /** Consul's /v1/health/service/:name; passingOnly keeps instances whose checks all pass. */
  health(name: string, opts: { passingOnly?: boolean; tag?: string } = {}): HealthEntry[] {
    const out: HealthEntry[] = [];
    for (const s of this.serviceInstances(name, opts.tag)) {
      const node = this.nodes.get(s.node);
      assert(node !== undefined, () => `service ${s.id} on unregistered node ${s.node}`);
      const checks = this.checksOfNode(s.node).filter((c) => c.serviceId === '' || c.serviceId === s.id);
      if (opts.passingOnly && checks.some((c) => c.status !== 'passing')) continue;
      out.push({ node, service: s, checks });
    }
    return out;
  }

  /**
   * Upserts a node, optionally a service and checks on it. Returns an error text or the
   * changes to check statuses (new checks count as changes).
   */
  register(
    index: number,
    nowUs: Micros,
    input: { node: string; address?: string; meta?: Record<string, string>; service?: ServiceInput; checks?: readonly CheckInput[] },
  ): CheckChange[] | string {
    if (!input.node) return 'Must provide node';
    const prevNode = this.nodes.get(input.node);
    if (!prevNode && this.nodes.size >= MAX_CATALOG_NODES) return 'too many nodes';
    const address = input.address ?? prevNode?.address ?? '';
    const meta = input.meta ?? prevNode?.meta ?? {};
    // Validate everything before mutating: a registration applies entirely or not at all.
    let svcId: string | undefined;
    const svcs = this.services.get(input.node);
    if (input.service) {
      if (!input.service.service) return 'Must provide service name';
      svcId = input.service.id || input.service.service;
      if (!svcs?.has(svcId) && (svcs?.size ?? 0) >= MAX_SERVICES_PER_NODE) return 'too many services on node';
    }
    const checks = input.checks ?? [];
    for (const c of checks) {
      if (!c.checkId) return 'Missing CheckID';
      const sid = c.serviceId ?? '';
      if (sid !== '' && sid !== svcId && !svcs?.has(sid)) return `Unknown service ID '${sid}' for check '${c.checkId}'`;
    }
    if ((this.checks.get(input.node)?.size ?? 0) + checks.length > MAX_CHECKS_PER_NODE) return 'too many checks on node';

    if (!prevNode || prevNode.address !== address || prevNode.meta !== meta) {
      this.nodes.set(input.node, {
        node: input.node,
        address,
        meta: { ...meta },
        createIndex: prevNode?.createIndex ?? index,
        modifyIndex: index,
      });
    }
    if (input.service && svcId !== undefined) {
      let m = svcs;
      if (!m) this.services.set(input.node, (m = new Map()));
      const prev = m.get(svcId);
      m.set(svcId, {
        node: input.node,
        id: svcId,
        service: input.service.service,
        tags: [...(input.service.tags ?? [])],
        address: input.service.address ?? '',
        port: input.service.port ?? 0,
        meta: { ...(input.service.meta ?? {}) },
        createIndex: prev?.createIndex ?? index,
        modifyIndex: index,
      });
    }
    const changes: CheckChange[] = [];
    for (const c of checks) {
      let m = this.checks.get(input.node);
      if (!m) this.checks.set(input.node, (m = new Map()));
      const prev = m.get(c.checkId);
      const serviceId = c.serviceId ?? '';
      const serviceName = serviceId === '' ? '' : (this.services.get(input.node)?.get(serviceId)?.service ?? '');
      // Consul: "a check starts critical" unless a status is given; re-registering keeps the status.
      const status: CheckStatus = c.status ?? prev?.status ?? 'critical';
      const rec: CheckRecord = {
        node: input.node,
        checkId: c.checkId,
        name: c.name ?? c.checkId,
        status,
        output: c.output ?? prev?.output ?? '',
        serviceId,
        serviceName,
        definition: { ...(c.definition ?? {}) },
        criticalSinceUs: status === 'critical' ? (prev?.status === 'critical' ? prev.criticalSinceUs : nowUs) : undefined,
        createIndex: prev?.createIndex ?? index,
        modifyIndex: index,
      };
      m.set(c.checkId, rec);
      if (prev?.status !== status || !prev) changes.push({ node: input.node, checkId: c.checkId, status });
    }
    return changes;
  }

  /** Updates a check's status and output (TTL pass/warn/fail, a probe result, TTL expiry). */
  updateCheck(index: number, nowUs: Micros, node: string, checkId: string, status: CheckStatus, output: string): CheckChange[] | string {
    const prev = this.checks.get(node)?.get(checkId);
    if (!prev) return `CheckID "${checkId}" does not have associated TTL`;
    if (prev.status === status && prev.output === output) return [];
    this.checks.get(node)!.set(checkId, {
      ...prev,
      status,
      output,
      criticalSinceUs: status === 'critical' ? (prev.status === 'critical' ? prev.criticalSinceUs : nowUs) : undefined,
      modifyIndex: index,
    });
    return prev.status === status ? [] : [{ node, checkId, status }];
  }

  /**
   * Removes a node (no serviceId/checkId), a service (and its checks) or one check.
   * Returns the removed checks as changes, or an error text.
   */
  deregister(input: { node: string; serviceId?: string; checkId?: string }): { changes: CheckChange[]; nodeRemoved: boolean } | string {
    if (!this.nodes.has(input.node)) return { changes: [], nodeRemoved: false };
    const checks = this.checks.get(input.node) ?? new Map<string, CheckRecord>();
    const removed: CheckChange[] = [];
    const drop = (id: string) => {
      if (checks.delete(id)) removed.push({ node: input.node, checkId: id, status: undefined });
    };
    if (input.serviceId !== undefined) {
      this.services.get(input.node)?.delete(input.serviceId);
      for (const c of [...checks.values()]) if (c.serviceId === input.serviceId) drop(c.checkId);
    }
    if (input.checkId !== undefined) drop(input.checkId);
    let nodeRemoved = false;
    if (input.serviceId === undefined && input.checkId === undefined) {
      for (const id of [...checks.keys()].sort(byKey)) drop(id);
      this.nodes.delete(input.node);
      this.services.delete(input.node);
      this.checks.delete(input.node);
      nodeRemoved = true;
    }
    return { changes: removed, nodeRemoved };
  }

  snapshot(): CatalogSnapshot {
    const services: ServiceRecord[] = [];
    for (const n of [...this.services.keys()].sort(byKey)) services.push(...this.servicesOfNode(n).map((s) => ({ ...s })));
    return {
      nodes: this.listNodes().map((n) => ({ ...n })),
      services,
      checks: this.allChecks().map((c) => ({ ...c })),
    };
  }

  restore(snap: CatalogSnapshot): void {
    this.nodes.clear();
    this.services.clear();
    this.checks.clear();
    for (const n of snap.nodes) this.nodes.set(n.node, { ...n });
    for (const s of snap.services) {
      let m = this.services.get(s.node);
      if (!m) this.services.set(s.node, (m = new Map()));
      m.set(s.id, { ...s });
    }
    for (const c of snap.checks) {
      let m = this.checks.get(c.node);
      if (!m) this.checks.set(c.node, (m = new Map()));
      m.set(c.checkId, { ...c });
    }
  }
}
