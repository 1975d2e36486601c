/**
 * What the message-level checkers (vote-durability.ts, vote-restriction.ts) share: the list of
 * violations found, how many messages were judged, and whether a violation stops the run
 * (throws RaftSafetyViolation) or is only recorded.
 */
import { RaftSafetyViolation } from './raft-safety.ts';

export abstract class MessageChecker {
  readonly violations: string[] = [];
  /** Messages judged so far. */
  checked = 0;
  private readonly throwOnViolation: boolean;

  constructor(opts: { readonly throwOnViolation?: boolean } = {}) {
    this.throwOnViolation = opts.throwOnViolation ?? true;
  }

  ok(): boolean {
    return this.violations.length === 0;
  }

  /** Records a violation; throws RaftSafetyViolation (the run stops there) unless told not to. */
  protected report(violation: string): void {
    this.violations.push(violation);
    if (this.throwOnViolation) throw new RaftSafetyViolation(violation);
  }
}
