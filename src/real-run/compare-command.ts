/**
 * `hasim compare`'s command line (the work is in compare-run.ts, loaded only when it runs, so
 * `hasim --help` stays light).
 */
import type { Command } from 'commander';

export function registerCompare(program: Command, onExit: (code: number) => void): void {
  program
    .command('compare')
    .argument('<file>', 'scenario YAML file')
    .description('run a scenario in the simulator (loopback latency) and on real hanode processes per seed, and show both side by side')
    .requiredOption('--seeds <a..b>', 'seeds a..b (inclusive)')
    .option('--json', 'print one JSON object on stdout')
    .option('--report <file.html>', 'write a self-contained HTML report of both sides')
    .action(async (file: string, flags: { seeds: string; json?: boolean; report?: string }) => onExit(await (await import('./compare-run.ts')).compareCommand(file, flags)));
}

