/**
 * The notification action (the seed's notify.sh): run on every node when an event applies,
 * with the node's role, the key, the value and the new state as arguments. Bounded: at most
 * MAX_RUNNING scripts at once, each with a timeout; beyond that a notification is logged and
 * dropped (delivery is at least once per applying node, not guaranteed under overload).
 */
import { execFile } from 'node:child_process';
import type { Notification, NotificationAction } from '../../core/ha/index.ts';
import { parseTargetSpec } from './target-spec.ts';
import { scriptsRunnable, type ScriptPolicy } from '../script-policy.ts';

const MAX_RUNNING = 16;
/** A notify script that hangs must not pile up: 30 s, Consul's default script check timeout. */
const SCRIPT_TIMEOUT_MS = 30_000;

export class ScriptNotifier implements NotificationAction {
  private running = 0;
  readonly recent: Array<Notification & { at: string }> = [];

  constructor(
    private readonly defaultScript: string | undefined,
    private readonly log: (line: string) => void,
    /** A target's own Notify.Args came from the API: run only when the policy allows scripts. */
    private readonly scripts: ScriptPolicy = {},
  ) {}

  notify(n: Notification): void {
    this.recent.push({ ...n, at: new Date().toISOString() });
    if (this.recent.length > 100) this.recent.shift();
    const spec = parseTargetSpec(n.value);
    const args = spec.Notify?.Args ?? (this.defaultScript ? [this.defaultScript] : undefined);
    this.log(`[INFO] ha: ${n.key} is ${n.state.toUpperCase()} (event ${n.eventId}, ${n.role})${n.activeChanges.map((c) => `; group ${c.group} active ${c.from} -> ${c.to}`).join('')}`);
    if (spec.Notify?.Args !== undefined && !scriptsRunnable(this.scripts)) {
      this.log(`[WARN] ha: notify script of ${n.key} not run: scripts are disabled on this agent (--enable-script-checks)`);
      return;
    }
    if (!args) return;
    if (this.running >= MAX_RUNNING) {
      this.log(`[WARN] ha: notification for ${n.key} dropped: ${MAX_RUNNING} scripts already running`);
      return;
    }
    this.running++;
    execFile(args[0]!, [...args.slice(1), n.role, n.key, spec.Value, n.state.toUpperCase()], { timeout: SCRIPT_TIMEOUT_MS, maxBuffer: 64 * 1024 }, (err) => {
      this.running--;
      if (err) this.log(`[WARN] ha: notify script for ${n.key} failed: ${err.message}`);
    });
  }
}
