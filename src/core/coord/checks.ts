/**
 * Health-check types shared by the catalog, its leader driver and the node-side probe runner.
 */
import type { Micros } from '../env.ts';

export type CheckStatus = 'passing' | 'warning' | 'critical';

export function isCheckStatus(s: unknown): s is CheckStatus {
  return s === 'passing' || s === 'warning' || s === 'critical';
}

/**
 * What a node-run probe does. The probe runner hands the spec to a pluggable `Probe`:
 * in the simulator a scripted target, in hanode an HTTP GET, a TCP connect or a script.
 */
export type ProbeSpec =
  | { readonly kind: 'http'; readonly url: string; readonly method?: string }
  | { readonly kind: 'tcp'; readonly address: string }
  | { readonly kind: 'script'; readonly args: readonly string[] }
  /** Simulator: a named target whose health a scenario scripts. */
  | { readonly kind: 'scripted'; readonly target: string };

/** The pluggable probe; it must call `done` exactly once, from an Env event. */
export interface Probe {
  run(spec: ProbeSpec, timeoutUs: Micros, done: (status: CheckStatus, output: string) => void): void;
}

export interface CheckDefinition {
  /** TTL check: critical unless updated (pass/warn/fail) within this time. */
  readonly ttlUs?: Micros;
  /** Node-run check: probe every intervalUs. */
  readonly intervalUs?: Micros;
  readonly timeoutUs?: Micros;
  readonly probe?: ProbeSpec;
  /** Remove the check's service once it has been critical this long (min 1 min, as Consul). */
  readonly deregisterCriticalServiceAfterUs?: Micros;
}

export interface CheckRecord {
  readonly node: string;
  readonly checkId: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly output: string;
  /** '' for a node-level check. */
  readonly serviceId: string;
  readonly serviceName: string;
  readonly definition: CheckDefinition;
  /** Replicated time at which the check last became critical; undefined unless critical. */
  readonly criticalSinceUs?: Micros | undefined;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

export interface CheckInput {
  readonly checkId: string;
  readonly name?: string;
  /** Consul: a check starts critical unless the registration says otherwise. */
  readonly status?: CheckStatus;
  readonly output?: string;
  /** The service on the same node this check belongs to ('' or absent: node-level). */
  readonly serviceId?: string;
  readonly definition?: CheckDefinition;
}
