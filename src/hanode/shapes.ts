/**
 * Consul's JSON shapes (field names and types as the HTTP API docs show them) built from
 * the replicated records.
 */
import type { CatalogNode, ServiceRecord } from '../core/coord/catalog.ts';
import type { CheckRecord } from '../core/coord/checks.ts';
import type { SessionRecord } from '../core/coord/sessions.ts';
import type { KvEntry } from '../core/kv/types.ts';
import { formatGoDuration } from './http/duration.ts';
import { U64 } from './http/json.ts';

/** /v1/kv entry: Value is base64, null for an empty value; Flags a uint64. */
export function kvJson(e: KvEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LockIndex: e.lockIndex,
    Key: e.key,
    Flags: new U64(e.flags),
    Value: e.value === '' ? null : Buffer.from(e.value, 'latin1').toString('base64'),
    CreateIndex: e.createIndex,
    ModifyIndex: e.modifyIndex,
  };
  if (e.session !== undefined) out.Session = e.session;
  return out;
}

/** /v1/session/info entry. LockDelay is a Go time.Duration: nanoseconds. */
export function sessionJson(s: SessionRecord): Record<string, unknown> {
  return {
    ID: s.id,
    Name: s.name,
    Node: s.node,
    LockDelay: s.lockDelayUs * 1000,
    Behavior: s.behavior,
    TTL: s.ttlUs === 0 ? '' : formatGoDuration(s.ttlUs),
    NodeChecks: [...s.checks],
    ServiceChecks: null,
    Checks: [...s.checks],
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

export function nodeJson(n: CatalogNode, datacenter: string): Record<string, unknown> {
  return {
    ID: '',
    Node: n.node,
    Address: n.address,
    Datacenter: datacenter,
    TaggedAddresses: { lan: n.address, wan: n.address },
    Meta: { ...n.meta },
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
}

export function serviceJson(s: ServiceRecord, datacenter: string): Record<string, unknown> {
  return {
    ID: s.id,
    Service: s.service,
    Tags: [...s.tags],
    Address: s.address,
    Meta: { ...s.meta },
    Port: s.port,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Datacenter: datacenter,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

export function checkType(c: CheckRecord): string {
  if (c.checkId === 'serfHealth') return '';
  if (c.definition.ttlUs !== undefined) return 'ttl';
  const p = c.definition.probe;
  return p === undefined ? '' : p.kind === 'script' ? 'script' : p.kind;
}

export function checkJson(c: CheckRecord, serviceTags: readonly string[] = []): Record<string, unknown> {
  return {
    Node: c.node,
    CheckID: c.checkId,
    Name: c.name,
    Status: c.status,
    Notes: '',
    Output: c.output,
    ServiceID: c.serviceId,
    ServiceName: c.serviceName,
    ServiceTags: [...serviceTags],
    Type: checkType(c),
    Definition: {},
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

/** /v1/catalog/service/:name entry: node and service fields flattened. */
export function catalogServiceJson(n: CatalogNode, s: ServiceRecord, datacenter: string): Record<string, unknown> {
  return {
    ID: '',
    Node: n.node,
    Address: n.address,
    Datacenter: datacenter,
    TaggedAddresses: { lan: n.address, wan: n.address },
    NodeMeta: { ...n.meta },
    ServiceKind: '',
    ServiceID: s.id,
    ServiceName: s.service,
    ServiceTags: [...s.tags],
    ServiceAddress: s.address,
    ServiceMeta: { ...s.meta },
    ServicePort: s.port,
    ServiceWeights: { Passing: 1, Warning: 1 },
    ServiceEnableTagOverride: false,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}
