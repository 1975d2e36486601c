/**
 * /v1/agent/metrics — Consul's JSON shape (Timestamp, Gauges, Counters, Samples) and, with
 * ?format=prometheus, the Prometheus text exposition format 0.0.4 written by hand
 * (prom-client is not a dependency): `# HELP`, `# TYPE`, then `name{labels} value` lines.
 */
import type { ApiReply, ApiRequest } from '../http/types.ts';

export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly value: number;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Prometheus metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; Consul's dotted names become underscores. */
export function promName(name: string): string {
  const n = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(n) ? n : `_${n}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function prometheusText(metrics: readonly Metric[]): string {
  const byName = new Map<string, Metric[]>();
  for (const m of metrics) {
    const n = promName(m.name);
    const list = byName.get(n) ?? [];
    list.push(m);
    byName.set(n, list);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    lines.push(`# HELP ${name} ${escapeHelp(list[0]!.help)}`);
    lines.push(`# TYPE ${name} ${list[0]!.type}`);
    for (const m of list) {
      const labels = Object.entries(m.labels ?? {});
      const l = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${promName(k)}="${escapeLabel(v)}"`).join(',')}}`;
      lines.push(`${name}${l} ${formatValue(m.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

export function metricsReply(req: ApiRequest, metrics: readonly Metric[]): ApiReply {
  if (req.query.get('format') === 'prometheus') {
    return { raw: prometheusText(metrics), contentType: 'text/plain; version=0.0.4; charset=utf-8' };
  }
  const entry = (m: Metric) => ({ Name: m.name, ...(m.type === 'gauge' ? { Value: m.value } : { Count: m.value, Sum: m.value }), Labels: { ...(m.labels ?? {}) } });
  return {
    json: {
      Timestamp: new Date().toISOString().replace(/\.\d+Z$/, ' +0000 UTC').replace('T', ' '),
      Gauges: metrics.filter((m) => m.type === 'gauge').map(entry),
      Points: [],
      Counters: metrics.filter((m) => m.type === 'counter').map(entry),
      Samples: [],
    },
  };
}
