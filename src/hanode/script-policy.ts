/**
 * Who may make this agent run a program. A script check (`Args` in /v1/agent/check/register
 * or a service's checks) and a script failover target (`Check.Args` / `Notify.Args` in
 * /v1/ha/targets/*) run a command as the agent's user — on every server, for a replicated
 * failover target. That is remote code execution for anyone who reaches the HTTP API; the
 * same Consul API was widely exploited for exactly this, which is why Consul refuses script
 * checks unless `enable_script_checks` (or `enable_local_script_checks`) is set.
 *
 * - default: every script is refused (403) at the API and never run;
 * - `--enable-script-checks`: any API client may register scripts (Consul's
 *   `enable_script_checks`); use it only with ACLs (deny + a management token);
 * - `--enable-local-script-checks`: only a client on the loopback interface of the agent that
 *   answers may (Consul's `enable_local_script_checks` allows only scripts from local config
 *   files; hanode has no check config files, so the local API stands in for them).
 *
 * Defence in depth: the probe that would run a script asks again at run time, so a script
 * that reached the replicated state some other way (a target registered on another server,
 * an older build) is not run by an agent without either switch.
 * The operator's own scripts (--ha-verify-script, --ha-notify-script) are not governed here:
 * they come from the command line, not from the network.
 */
import { sec, type Micros } from '../core/env.ts';
import { HttpError } from './http/errors.ts';

export interface ScriptPolicy {
  /** --enable-script-checks: scripts from any API client. */
  readonly enableScriptChecks?: boolean;
  /** --enable-local-script-checks: scripts only from a loopback client. */
  readonly enableLocalScriptChecks?: boolean;
}

export const SCRIPTS_DISABLED =
  'Scripts are disabled on this agent; to enable, start it with --enable-script-checks (any API client) or --enable-local-script-checks (loopback clients only)';
export const SCRIPTS_LOCAL_ONLY = 'Scripts are enabled for loopback clients only on this agent (--enable-local-script-checks); this request came from elsewhere';

/**
 * Consul's agent/checks MinInterval (1 s: "Otherwise we risk fork bombing a system"): a
 * shorter interval is raised to it, as Consul does (it logs a warning and uses 1 s).
 */
export const CHECK_MIN_INTERVAL_US: Micros = sec(1);
/** Nomad's minCheckTimeout (1 s) for the Consul checks it registers; shorter timeouts are raised to it. */
export const CHECK_MIN_TIMEOUT_US: Micros = sec(1);

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** At the API: throws 403 unless this client may register a script. */
export function requireScriptAllowed(policy: ScriptPolicy, remoteAddress: string | undefined): void {
  if (policy.enableScriptChecks === true) return;
  if (policy.enableLocalScriptChecks === true) {
    if (isLoopback(remoteAddress)) return;
    throw new HttpError(403, SCRIPTS_LOCAL_ONLY);
  }
  throw new HttpError(403, SCRIPTS_DISABLED);
}

/** At run time: may this agent run a script that came from the API / the replicated state? */
export function scriptsRunnable(policy: ScriptPolicy): boolean {
  return policy.enableScriptChecks === true || policy.enableLocalScriptChecks === true;
}

export function clampInterval(us: Micros): Micros {
  return Math.max(us, CHECK_MIN_INTERVAL_US);
}

export function clampTimeout(us: Micros): Micros {
  return Math.max(us, CHECK_MIN_TIMEOUT_US);
}
