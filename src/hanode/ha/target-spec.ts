/**
 * What hanode stores as a failover target's replicated value: the user's value plus how to
 * check it and whom to tell, as JSON — so every node checks a target the same way.
 * `{"Value": "10.0.0.1:8091", "Check": {"Args": ["/etc/ha/verify.sh"]} | {"HTTP": url} |
 * {"TCP": "host:port"}, "Notify": {"Args": ["/etc/ha/notify.sh"]}}`. A value that is not
 * such JSON is a plain value checked with the agent's default verification script.
 */
export interface TargetSpec {
  readonly Value: string;
  readonly Check?: { readonly Args?: readonly string[]; readonly HTTP?: string; readonly TCP?: string; readonly Timeout?: string };
  readonly Notify?: { readonly Args?: readonly string[] };
}

/** Bound on script arguments (ours). */
const MAX_ARGS = 32;

export function parseTargetSpec(raw: string): TargetSpec {
  try {
    const v = JSON.parse(raw) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof (v as TargetSpec).Value === 'string') return v as TargetSpec;
  } catch {
    // a plain value
  }
  return { Value: raw };
}

/** Validates a spec from the HTTP API; returns an error text or undefined. */
export function specError(s: unknown): string | undefined {
  if (!s || typeof s !== 'object' || Array.isArray(s)) return 'body must be a JSON object';
  const t = s as Record<string, unknown>;
  if (t.Value !== undefined && typeof t.Value !== 'string') return 'Value must be a string';
  const args = (a: unknown) => Array.isArray(a) && a.length > 0 && a.length <= MAX_ARGS && a.every((x) => typeof x === 'string');
  if (t.Check !== undefined) {
    const c = t.Check as Record<string, unknown>;
    if (!c || typeof c !== 'object') return 'Check must be an object';
    const kinds = ['Args', 'HTTP', 'TCP'].filter((k) => c[k] !== undefined);
    if (kinds.length !== 1) return 'Check needs exactly one of Args, HTTP, TCP';
    if (c.Args !== undefined && !args(c.Args)) return `Check.Args must be 1..${MAX_ARGS} strings`;
    if (c.HTTP !== undefined && (typeof c.HTTP !== 'string' || !/^https?:\/\//.test(c.HTTP))) return 'Check.HTTP must be an http(s) URL';
    if (c.TCP !== undefined && (typeof c.TCP !== 'string' || !/^.+:\d+$/.test(c.TCP))) return 'Check.TCP must be HOST:PORT';
  }
  if (t.Notify !== undefined) {
    const n = t.Notify as Record<string, unknown>;
    if (!n || typeof n !== 'object' || !args(n.Args)) return `Notify.Args must be 1..${MAX_ARGS} strings`;
  }
  return undefined;
}
