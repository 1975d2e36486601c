/**
 * Writing a scenario back out: the original file (comments and layout kept) with its fault
 * schedule replaced, its nemesis optionally dropped, its seed set, and a header comment.
 * Used by `hasim shrink` and by the TUI's "save" (faults a person injected).
 */
import { parseDocument } from 'yaml';
import type { ScheduledFault, TopologySpec } from '../sim/types.ts';
import { faultToYaml } from './faults.ts';
import type { Scenario } from './types.ts';

export function scenarioWithFaults(sc: Scenario, faults: readonly ScheduledFault[], opts: { dropNemesis: boolean; seed: number; header: string; topology?: TopologySpec }): string {
  const doc = parseDocument(sc.source);
  if (opts.topology) doc.set('topology', doc.createNode(opts.topology));
  const list = doc.createNode([...faults].sort((a, b) => a.at - b.at).map(faultToYaml));
  for (const item of (list as { items: { flow?: boolean }[] }).items) item.flow = true;
  doc.set('faults', list);
  if (opts.dropNemesis) doc.delete('nemesis');
  doc.set('seed', opts.seed);
  doc.commentBefore = doc.commentBefore ? `${opts.header}\n\n${doc.commentBefore}` : opts.header;
  return doc.toString({ lineWidth: 0 });
}
