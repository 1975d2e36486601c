/**
 * The real probes of the failover service (src/core/ha/probe.ts): a verification script
 * (the seed's verify.sh: called with the key and value, prints UP or DOWN), an HTTP GET
 * (2xx is up) or a TCP connect. Every probe is bounded by the scheduler's timeout and by an
 * output cap; a late answer is dropped by the scheduler.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import type { Micros } from '../../core/env.ts';
import { parseUpDown, type Health, type Probe, type ProbeHandle, type TargetConfig } from '../../core/ha/index.ts';
import { parseTargetSpec } from './target-spec.ts';
import { scriptsRunnable, type ScriptPolicy } from '../script-policy.ts';

/** Bound on a script's output we read (a verify script prints one word). */
const MAX_SCRIPT_OUTPUT_BYTES = 64 * 1024;

export function scriptProbe(args: readonly string[], extra: readonly string[], timeoutMs: number, done: (h: Health) => void): ProbeHandle {
  const child = execFile(args[0]!, [...args.slice(1), ...extra], { timeout: timeoutMs, maxBuffer: MAX_SCRIPT_OUTPUT_BYTES, windowsHide: true }, (err, stdout) => {
    if (err) return done('down');
    done(parseUpDown(String(stdout)));
  });
  return { cancel: () => void child.kill('SIGKILL') };
}

export function httpProbe(url: string, timeoutMs: number, done: (h: Health) => void): ProbeHandle {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  fetch(url, { signal: ctl.signal })
    .then(async (res) => {
      await res.body?.cancel();
      done(res.status >= 200 && res.status < 300 ? 'up' : 'down');
    })
    .catch(() => done('down'))
    .finally(() => clearTimeout(timer));
  return { cancel: () => ctl.abort() };
}

export function tcpProbe(address: string, timeoutMs: number, done: (h: Health) => void, localAddress?: string): ProbeHandle {
  const i = address.lastIndexOf(':');
  const sock = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), ...(localAddress !== undefined ? { localAddress } : {}) });
  sock.setTimeout(timeoutMs);
  let answered = false;
  const answer = (h: Health) => {
    if (answered) return;
    answered = true;
    sock.destroy();
    done(h);
  };
  sock.once('connect', () => answer('up'));
  sock.once('timeout', () => answer('down'));
  sock.once('error', () => answer('down'));
  return { cancel: () => answer('down') };
}

/** The hanode probe: the target's own check, else the agent's default verification script. */
export class TargetProbe implements Probe {
  constructor(
    private readonly defaultVerifyScript?: string,
    /** A target's own Check.Args came from the API: run only when the policy allows scripts. */
    private readonly scripts: ScriptPolicy = {},
    private readonly onRefused: (key: string) => void = () => {},
    /** Where TCP checks dial from: the agent's bind address, as its Raft traffic does (undefined: the kernel picks). */
    private readonly localAddress?: string,
  ) {}

  check(target: TargetConfig, timeoutUs: Micros, done: (status: Health) => void): ProbeHandle {
    const spec = parseTargetSpec(target.value);
    const ms = Math.max(1, Math.round(timeoutUs / 1000));
    const c = spec.Check;
    if (c?.HTTP) return httpProbe(c.HTTP, ms, done);
    if (c?.TCP) return tcpProbe(c.TCP, ms, done, this.localAddress);
    if (c?.Args !== undefined && !scriptsRunnable(this.scripts)) {
      // Refused at run time too (a replicated target with a script): reported down, never run.
      this.onRefused(target.key);
      queueMicrotask(() => done('down'));
      return { cancel() {} };
    }
    const args = c?.Args ?? (this.defaultVerifyScript ? [this.defaultVerifyScript] : undefined);
    if (!args) {
      // Nothing says how to check it: report down rather than guess.
      queueMicrotask(() => done('down'));
      return { cancel() {} };
    }
    return scriptProbe(args, [target.key, spec.Value], ms, done);
  }
}
