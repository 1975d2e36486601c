/**
 * hasim: run scenarios in the simulator. Exit codes: 0 every expectation passed, 1 one failed
 * (or could not be checked), 2 a bad scenario file or bad usage (nothing ran).
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_USAGE } from './commands/exit-codes.ts';
import type { RunFlags } from './commands/run.ts';
import { registerCompare } from '../real-run/compare-command.ts';

// Every command module is loaded on demand, in its action: `hasim --version` and `--help`
// load commander alone, not the simulator, the scenario loader or Ink.

function runOptions(cmd: Command): Command {
  return cmd
    .option('--seed <n>', 'seed (default: the scenario\'s seed; with --swarm, the first seed)')
    .option('--duration <d>', 'virtual time to run, e.g. 30s, 1h (default: the scenario\'s duration)')
    .option('--json', 'print one JSON object on stdout (docs/formats.md)')
    .option('--trace <file>', 'write every trace event as JSON lines')
    .option('--history <file>', 'write the client history as JSON lines')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .option('--no-color', 'no ANSI colours even on a terminal');
}

export function buildProgram(onExit: (code: number) => void): Command {
  const program = new Command('hasim')
    .description('Deterministic simulation of Raft / SWIM / coordination / failover scenarios')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();

  runOptions(
    program
      .command('run')
      .argument('<file>', 'scenario YAML file')
      .description('run a scenario for one seed (or many with --swarm / --seeds) and judge its expectations'),
  )
    .addOption(new Option('--swarm <n>', 'run N seeds in worker threads'))
    .addOption(new Option('--seeds <a..b>', 'run seeds a..b (inclusive) in worker threads'))
    .option('--shard <i/k>', 'run only the i-th of k slices of the swarm\'s seeds (merge the --json parts with `hasim merge`)')
    .option('--workers <k>', 'worker threads for a swarm', '2')
    .option('--quiet', 'no progress on stderr')
    .option('--real', 'run it on real hanode processes on 127.0.0.2.. (crash/pause by signals, partitions by nftables; not deterministic)')
    .action(async (file: string, flags: RunFlags & { real?: boolean }) => {
      if (flags.real) return onExit(await (await import('../real-run/command.ts')).realCommand(file, flags));
      const { runCommand, swarmCommand } = await import('./commands/run.ts');
      onExit(flags.swarm || flags.seeds ? await swarmCommand(file, flags) : runCommand(file, flags));
    });

  registerCompare(program, onExit);

  runOptions(
    program
      .command('replay')
      .argument('<file>', 'scenario YAML file')
      .description('run one seed again, exactly (same trace hash); use --trace/--history/--report to look inside'),
  ).action(async (file: string, flags: RunFlags) => {
    if (flags.seed === undefined) throw new CommanderError(EXIT_USAGE, 'hasim.seed', "error: replay needs --seed N");
    const { runCommand } = await import('./commands/run.ts');
    onExit(runCommand(file, flags));
  });

  program
    .command('shrink')
    .argument('<file>', 'scenario YAML file')
    .description('reduce a failing seed\'s fault schedule to a small one that still fails; write it as a scenario')
    .option('--seed <n>', 'the failing seed')
    .option('--duration <d>', 'virtual time to run')
    .option('--out <file>', 'where to write the shrunk scenario (default FILE.shrunk-SEED.yaml)')
    .option('--max-runs <n>', 'budget of simulated runs', '300')
    .option('--json', 'print one JSON object on stdout')
    .action(async (file: string, flags) => {
      const { shrinkCommand } = await import('./commands/shrink.ts');
      onExit(shrinkCommand(file, flags));
    });

  program
    .command('merge')
    .argument('<files...>', '--json reports of the shards of one swarm')
    .description('combine the shards of a swarm (run --swarm N --shard i/k --json): one verdict, failing seeds, replay commands')
    .option('--json', 'print one JSON object on stdout')
    .action(async (files: string[], flags: { json?: boolean }) => {
      const { mergeCommand } = await import('./commands/merge.ts');
      onExit(mergeCommand(files, flags));
    });

  program
    .command('determinism')
    .argument('<file>', 'scenario YAML file')
    .description('run a seed twice and report the first divergent trace event (and check another seed differs)')
    .option('--seed <n>', 'seed')
    .option('--duration <d>', 'virtual time to run')
    .option('--json', 'print one JSON object on stdout')
    .action(async (file: string, flags) => {
      const { determinismCommand } = await import('./commands/determinism.ts');
      onExit(determinismCommand(file, flags));
    });

  program
    .command('tui')
    .argument('<file>', 'scenario YAML file')
    .description('watch a run live in the terminal; inject faults by hand and save them as a scenario')
    .option('--seed <n>', 'seed')
    .option('--duration <d>', 'virtual time to run')
    .action(async (file: string, flags) => {
      // Loaded on demand: Ink and React are not needed by any other command.
      const { tuiCommand } = await import('./commands/tui.ts');
      onExit(await tuiCommand(file, flags));
    });

  program
    .command('host')
    .argument('<module>', 'an app module (.ts or .js) exporting createCore(env, info)')
    .description('run your own core on real sockets (UDP and TCP) until Ctrl-C (docs/your-own-protocol.md)')
    .option('--node <id>', 'this node\'s id')
    .option('--listen <host:port>', 'address for UDP and TCP (default 127.0.0.1:0)')
    .option('--peers <list>', 'the other nodes: ID=HOST:PORT,...')
    .option('--config <json>', 'handed to createCore as info.config')
    .option('--data-dir <dir>', 'keep the core\'s storage in files here, so it survives a restart (default: memory)')
    .action(async (file: string, flags) => {
      const { hostCommand } = await import('./commands/host.ts');
      onExit(await hostCommand(file, flags));
    });

  program
    .command('validate')
    .argument('<files...>', 'scenario YAML files')
    .description('check scenario files without running them')
    .action(async (files: string[]) => {
      const { validateCommand } = await import('./commands/validate.ts');
      onExit(validateCommand(files));
    });

  return program;
}

/** Runs the CLI on argv (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      // --help and --version: 0. A bare `hasim` prints the help as a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : EXIT_USAGE; // `hasim help` vs a bare `hasim`
      if (e.code === 'hasim.seed') process.stderr.write(`hasim: ${e.message.replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    const { reportError } = await import('./commands/common.ts');
    return reportError(e);
  }
}

// Run when executed as the CLI (bin/hasim.js imports this file), not when a test imports main().
if (process.argv[1] && /(?:^|[\\/])hasim(?:\.js|\.ts)?$/.test(process.argv[1])) {
  // `hasim ... | head` closes stdout early: that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
