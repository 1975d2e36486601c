/** Renders the kill matrix of a mutation run (mutate.ts) as Markdown. */
import type { Mutant } from './catalogue.ts';

export interface Cell {
  readonly mutant: string;
  readonly scenario: string;
  readonly seeds: number;
  readonly runs: number;
  readonly failed: number;
  readonly firstSeed?: number | undefined;
  /** Names of the expectations (checkers) that failed in any failing seed. */
  readonly checkers: readonly string[];
  readonly firstDetail?: string | undefined;
  readonly error?: string;
  readonly wallS: number;
}

export function renderMatrix(cells: readonly Cell[], mutants: readonly Mutant[], o: { seeds: number; complete: boolean; command: string }): string {
  const control = new Map(cells.filter((c) => c.mutant === '(none)').map((c) => [c.scenario, c]));
  const noisy = (s: string) => {
    const c = control.get(s);
    return c !== undefined && (c.failed > 0 || c.error !== undefined);
  };
  const rows = cells.filter((c) => c.mutant !== '(none)');
  const ran = mutants.filter((m) => rows.some((c) => c.mutant === m.name));
  const killed = ran.filter((m) => rows.some((c) => c.mutant === m.name && c.failed > 0 && !noisy(c.scenario)));
  const out: string[] = [];
  out.push('# Mutant kill matrix', '');
  out.push('Written by `' + o.command + '` (bench/mutants/mutate.ts; catalogue in bench/mutants/catalogue.ts).');
  out.push(`Each cell: \`hasim run scenarios/FILE --swarm ${o.seeds} --json\` with \`HASIM_MUTANTS=<mutant>\`. ${o.complete ? 'Run complete.' : '**Run incomplete** (rewritten after every cell).'}`);
  out.push('A mutant counts as killed when a scenario whose control row (no mutant) passes fails at least one seed.', '');
  out.push(`**Killed: ${killed.length} of ${ran.length} mutants run** (${ran.length ? Math.round((100 * killed.length) / ran.length) : 0} %); catalogue size ${mutants.length}.`, '');
  // Mutation testing counts equivalent mutants apart: the ratio that matters is killed / non-equivalent.
  const equivalent = ran.filter((m) => m.equivalent !== undefined);
  const nonEq = ran.length - equivalent.length;
  const killedNonEq = killed.filter((m) => m.equivalent === undefined).length;
  if (equivalent.length > 0) {
    out.push(`**Killed / non-equivalent: ${killedNonEq} / ${nonEq}** (${nonEq ? ((100 * killedNonEq) / nonEq).toFixed(1) : '0'} %); argued equivalent or unreachable, counted apart: ${equivalent.map((m) => m.name).join(', ')}.`, '');
  }
  out.push('## Control (no mutant)', '', '| scenario | failing seeds | expectations failed |', '|---|---|---|');
  for (const c of control.values()) out.push(`| ${c.scenario} | ${c.error ? 'error: ' + c.error : `${c.failed} / ${c.runs}`} | ${c.checkers.join(', ')} |`);
  out.push('', '## Matrix', '', '| mutant | scenario | failing seeds | first failing seed | expectations (checkers) that fired | first detail |', '|---|---|---|---|---|---|');
  for (const c of rows) {
    const v = c.error ? `error: ${c.error}` : `${c.failed} / ${c.runs}${noisy(c.scenario) ? ' (control fails too)' : ''}`;
    out.push(`| ${c.mutant} | ${c.scenario} | ${v} | ${c.firstSeed ?? '—'} | ${c.checkers.join(', ') || '—'} | ${(c.firstDetail ?? '').replace(/\|/g, '\\|')} |`);
  }
  out.push('', '## Survivors', '');
  const survivors = ran.filter((m) => !killed.includes(m));
  if (survivors.length === 0) out.push('None.');
  for (const m of survivors) out.push(`- \`${m.name}\` (${m.rule}): not caught at ${o.seeds} seeds by ${m.scenarios.join(', ')}.${m.equivalent ? ` Argued equivalent: ${m.equivalent}.` : ''}`);
  out.push('', '## Catalogue', '', '| mutant | kind | rule broken | switch |', '|---|---|---|---|');
  for (const m of mutants) out.push(`| ${m.name} | ${m.kind === 'raft' ? 'Raft mutation (src/core/raft/mutations.ts)' : 'core switch (src/core/test-mutants.ts)'} | ${m.rule} | ${m.where} |`);
  return out.join('\n') + '\n';
}
