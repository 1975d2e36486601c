/**
 * The small client the `hanode` CLI uses against an agent's HTTP API (Consul's paths).
 * Every request has a timeout; errors carry the status and the agent's plain-text message.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Bound on one CLI request (a leaderless cluster answers within Consul's ~7 s RPC hold). */
const REQUEST_TIMEOUT_MS = 15_000;

export class HanodeClient {
  constructor(
    private readonly base: string,
    private readonly token?: string,
  ) {}

  async request(method: string, path: string, body?: string | Buffer): Promise<{ status: number; text: string; headers: Headers }> {
    const headers: Record<string, string> = {};
    if (this.token) headers['X-Consul-Token'] = this.token;
    const res = await fetch(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === "string" ? body : new Uint8Array(body) } : {}), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers };
  }

  private async ok(method: string, path: string, body?: string | Buffer): Promise<string> {
    const r = await this.request(method, path, body);
    if (r.status >= 400) throw new ApiError(r.status, r.text.trim() || `HTTP ${r.status}`);
    return r.text;
  }

  async kvGet(key: string): Promise<string | undefined> {
    const r = await this.request('GET', `/v1/kv/${encodeURIComponent(key)}?raw`);
    if (r.status === 404) return undefined;
    if (r.status >= 400) throw new ApiError(r.status, r.text.trim());
    return r.text;
  }

  async kvPut(key: string, value: string, flags?: string): Promise<boolean> {
    return JSON.parse(await this.ok('PUT', `/v1/kv/${encodeURIComponent(key)}${flags !== undefined ? `?flags=${flags}` : ''}`, value)) === true;
  }

  async kvDelete(key: string, recurse = false): Promise<boolean> {
    return JSON.parse(await this.ok('DELETE', `/v1/kv/${encodeURIComponent(key)}${recurse ? '?recurse' : ''}`)) === true;
  }

  async members(): Promise<Array<{ Name: string; Addr: string; Port: number; Status: number; Tags: Record<string, string> }>> {
    return JSON.parse(await this.ok('GET', '/v1/agent/members'));
  }

  async raftConfiguration(): Promise<{ Servers: Array<{ ID: string; Node: string; Address: string; Leader: boolean; Voter: boolean }>; Index: number }> {
    return JSON.parse(await this.ok('GET', '/v1/operator/raft/configuration'));
  }

  async leave(): Promise<void> {
    await this.ok('PUT', '/v1/agent/leave');
  }
}

/** serf member status number → word, as `consul members` prints it. */
export function memberStatus(n: number): string {
  return ['none', 'alive', 'leaving', 'left', 'failed'][n] ?? String(n);
}

/** Left-aligned columns, as Consul's CLI prints tables. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('')).join('\n');
}
