/**
 * The agent's service checks (Consul agent checks), run on the node that registered them by
 * the core's ProbeRunner through this Probe: HTTP (2xx passing, 429 warning, else critical),
 * TCP (connect passing), script (exit 0 passing, 1 warning, else critical, output = stdout),
 * as Consul's check docs define them.
 */
import { execFile } from 'node:child_process';
import type { CheckStatus, Probe, ProbeSpec } from '../core/coord/index.ts';
import type { Micros } from '../core/env.ts';
import { tcpProbe } from './ha/probes.ts';
import { SCRIPTS_DISABLED, scriptsRunnable, type ScriptPolicy } from './script-policy.ts';

/** Consul truncates check output to 4 KiB (agent/checks: BufSize / output limit). */
const MAX_OUTPUT_CHARS = 4096;

export class AgentCheckProbe implements Probe {
  /** Scripts run only when the agent's script policy allows them (checked again here: defence in depth). */
  constructor(private readonly scripts: ScriptPolicy = {}) {}

  run(spec: ProbeSpec, timeoutUs: Micros, done: (status: CheckStatus, output: string) => void): void {
    const ms = Math.max(1, Math.round(timeoutUs / 1000));
    let answered = false;
    const answer = (s: CheckStatus, out: string) => {
      if (answered) return;
      answered = true;
      done(s, out.slice(0, MAX_OUTPUT_CHARS));
    };
    switch (spec.kind) {
      case 'http': {
        const method = spec.method ?? 'GET';
        fetch(spec.url, { method, signal: AbortSignal.timeout(ms) })
          .then(async (res) => {
            const body = (await res.text()).slice(0, MAX_OUTPUT_CHARS);
            const status: CheckStatus = res.status >= 200 && res.status < 300 ? 'passing' : res.status === 429 ? 'warning' : 'critical';
            answer(status, `HTTP ${method} ${spec.url}: ${res.status} ${res.statusText} Output: ${body}`);
          })
          .catch((err: Error) => answer('critical', `${method} ${spec.url}: ${err.message}`));
        return;
      }
      case 'tcp':
        tcpProbe(spec.address, ms, (h) => answer(h === 'up' ? 'passing' : 'critical', h === 'up' ? `TCP connect ${spec.address}: Success` : `dial tcp ${spec.address}: failed`));
        return;
      case 'script': {
        if (!scriptsRunnable(this.scripts)) return answer('critical', SCRIPTS_DISABLED);
        if (spec.args.length === 0) return answer('critical', 'no script');
        execFile(spec.args[0]!, spec.args.slice(1), { timeout: ms, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
          const out = `${stdout}${stderr}`;
          if (!err) return answer('passing', out);
          const code = err.code;
          answer(code === 1 ? 'warning' : 'critical', out || err.message);
        });
        return;
      }
      default:
        answer('critical', `unsupported check kind ${(spec as { kind: string }).kind}`);
    }
  }
}
