/** `hasim validate FILE...`: load and validate scenarios without running them. */
import { ScenarioError } from '../../scenario/errors.ts';
import { loadScenarioFile } from '../../scenario/load.ts';
import { EXIT_PASS, EXIT_USAGE } from './common.ts';

export function validateCommand(files: readonly string[]): number {
  let bad = 0;
  for (const f of files) {
    try {
      const sc = loadScenarioFile(f);
      const mods = [...sc.modules.keys()];
      process.stdout.write(`ok  ${f}: ${sc.topology.nodes.length} nodes, ${sc.faults.length} faults${sc.nemesis ? ' + nemesis' : ''}, ${sc.expectations.length} expectations${mods.length ? `, modules ${mods.join(', ')}` : ''}\n`);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      bad++;
      for (const line of e.message.split('\n')) process.stderr.write(`hasim: ${line}\n`);
    }
  }
  return bad === 0 ? EXIT_PASS : EXIT_USAGE;
}
