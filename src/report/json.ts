/**
 * The --json contract (docs/formats.md): one object per `hasim run`, stable field names.
 * Outside tools read it, so fields are only ever added, never renamed.
 */
import type { RunResult } from '../scenario/types.ts';

export const JSON_FORMAT_VERSION = 1;

export interface RunJson {
  readonly format: number;
  readonly scenario: string;
  readonly file: string;
  readonly seed: number;
  readonly passed: boolean;
  readonly expectations: readonly { name: string; kind: string; status: string; passed: boolean; detail: string; atUs?: number; vacuous?: true }[];
  readonly traceHash: string;
  readonly faults: Readonly<Record<string, number>>;
  readonly stats: RunResult['stats'];
  readonly latency?: RunResult['latency'];
  readonly availability?: RunResult['availability'];
  /** Per application client: outages and latency over time (added in format 1; see docs/formats.md). */
  readonly clients?: RunResult['clients'];
  readonly error?: string;
  readonly unavailable: readonly string[];
  readonly timeline: RunResult['timeline'];
}

export function runToJson(r: RunResult): RunJson {
  return {
    format: JSON_FORMAT_VERSION,
    scenario: r.scenario,
    file: r.file,
    seed: r.seed,
    passed: r.passed,
    expectations: r.expectations.map((v) => ({
      name: v.name,
      kind: v.kind,
      status: v.status,
      passed: v.passed,
      detail: v.detail,
      ...(v.atUs !== undefined ? { atUs: v.atUs } : {}),
      ...(v.vacuous ? { vacuous: true as const } : {}),
    })),
    traceHash: r.traceHash,
    faults: r.faults,
    stats: r.stats,
    ...(r.latency ? { latency: r.latency } : {}),
    ...(r.availability ? { availability: r.availability } : {}),
    ...(r.clients ? { clients: r.clients } : {}),
    ...(r.error ? { error: r.error } : {}),
    unavailable: r.unavailable,
    timeline: r.timeline,
  };
}
