/**
 * Network partitions for a real run: drop rules between the nodes' loopback addresses, in ONE
 * nftables table of our own (`inet hasim_<pid>`), rebuilt atomically (`nft -f -`) on every
 * change and deleted at the end (and by cleanup.ts on Ctrl-C or a crash of the run). Nothing
 * outside that table is touched. Packets between two loopback addresses cross the input hook,
 * so one input chain is enough.
 */
import { spawnSync } from 'node:child_process';
import { trackNftTable, untrackNftTable } from './cleanup.ts';

/** A directed cut: packets from `from` to `to` are dropped. */
export interface Cut {
  readonly from: string;
  readonly to: string;
}

/** Why partitions cannot be played here, or undefined when they can (root and a working nft). */
export function nftUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (nftables needs CAP_NET_ADMIN)';
  const r = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `nft not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); install the Debian package nftables`;
  if (r.status !== 0) return `nft does not work here: ${(r.stderr || '').trim().split('\n')[0]}`;
  return undefined;
}

export class NftTable {
  readonly name = `hasim_${process.pid}`;
  private created = false;

  create(): void {
    trackNftTable(this.name);
    this.apply(`add table inet ${this.name}\nadd chain inet ${this.name} cuts { type filter hook input priority 0; policy accept; }\n`);
    this.created = true;
  }

  /** Replaces every rule with these cuts (an empty list heals). */
  setCuts(cuts: readonly Cut[]): void {
    if (!this.created) throw new Error('nft table not created');
    let script = `flush chain inet ${this.name} cuts\n`;
    for (const c of cuts) script += `add rule inet ${this.name} cuts ip saddr ${c.from} ip daddr ${c.to} drop\n`;
    this.apply(script);
  }

  delete(): void {
    if (!this.created) return;
    this.created = false;
    spawnSync('nft', ['delete', 'table', 'inet', this.name], { stdio: 'ignore', timeout: 10_000 });
    untrackNftTable(this.name);
  }

  private apply(script: string): void {
    const r = spawnSync('nft', ['-f', '-'], { input: script, encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`nft failed: ${(r.stderr || r.error?.message || '').trim()}`);
  }
}

/** The nft tables of the real runs of process `pid` (default this one) not yet deleted (at most one, hasim_<pid>): for tests. */
export function listOurTables(pid: number = process.pid): string[] {
  const r = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8', timeout: 10_000 });
  const mine = new RegExp(`\\bhasim_${pid}\\b`);
  return (r.stdout || '').split('\n').filter((l) => mine.test(l)).map((l) => l.trim());
}
