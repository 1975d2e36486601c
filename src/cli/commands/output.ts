/** Writing the side files of a run: --trace and --history (JSON lines, docs/formats.md) and --report. */
import { writeFileSync } from 'node:fs';
import type { RunResult, Scenario } from '../../scenario/types.ts';
import { renderHtmlReport } from '../../report/html.ts';

function jsonLines(items: readonly unknown[]): string {
  let out = '';
  for (const x of items) out += `${JSON.stringify(x)}\n`;
  return out;
}

export interface SideFiles {
  readonly trace?: string;
  readonly history?: string;
  readonly report?: string;
}

export function writeSideFiles(r: RunResult, sc: Scenario, files: SideFiles): void {
  if (files.trace) writeFileSync(files.trace, jsonLines(r.trace ?? []));
  if (files.history) writeFileSync(files.history, jsonLines(r.history ?? []));
  if (files.report) writeFileSync(files.report, renderHtmlReport(r, sc));
}
