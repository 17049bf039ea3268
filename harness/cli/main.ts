import yargs, { type Options } from 'yargs';
import { PluginLoadError, UsageError } from '../contract/errors.ts';
import type { Results } from '../report/results.ts';
import { writeReports } from '../report/write-reports.ts';
import { buildCommand } from './build.ts';
import { initCommand } from './init.ts';
import { checkCommand } from './check.ts';
import { runCommand } from './run.ts';
import { boundaryCommand } from './boundary.ts';
import { compareCommand } from './compare.ts';
import { gateCommand } from './gate.ts';
import { baselineCommand } from './baseline.ts';
import { fuzzCommand } from './fuzz.ts';
import { listCommand } from './list.ts';
import { doctorCommand } from './doctor.ts';
import { mergeCommand } from './merge.ts';
import { reportCommand } from './report.ts';
import { signCommand } from './sign.ts';
import { type CliCommand, EXIT, type ExitCode } from './command.ts';
import { divertStdoutToStderr } from './stdout-guard.ts';
import { useProject } from '../project/project.ts';

/** `--project DIR` (or `--project=DIR`), read before yargs: the builders' defaults depend on the project. */
function projectArgument(argv: string[]): string | undefined {
  const at = argv.findIndex((a) => a === '--project' || a.startsWith('--project='));
  if (at < 0) return undefined;
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--project='.length) : argv[at + 1];
  if (value === undefined || value === '' || value.startsWith('--'))
    throw new UsageError('`--project` needs a directory: `--project path/to/your/repo`');
  return value;
}

/** Every command, one file each. */
export const COMMANDS: readonly CliCommand[] = [
  initCommand,
  buildCommand,
  signCommand,
  runCommand,
  checkCommand,
  boundaryCommand,
  compareCommand,
  gateCommand,
  baselineCommand,
  fuzzCommand,
  mergeCommand,
  reportCommand,
  listCommand,
  doctorCommand,
];

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, Options>> = {
  project: {
    type: 'string',
    global: true,
    describe: 'the project directory (default: the nearest directory with plugbench.config.json, else the current one)',
  },
  json: {
    type: 'boolean',
    default: false,
    global: true,
    describe: 'print the results as JSON on stdout (the summary goes to stderr)',
  },
  informational: {
    type: 'string',
    array: true,
    global: true,
    describe:
      'report these checks or fuzz properties without failing on them, e.g. fault.hog, fuzz.no-leak, ' +
      'fuzz.lz.decompress',
  },
};

/** Runs the command line; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<ExitCode> {
  try {
    useProject(projectArgument(argv));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`plugbench: ${e.message}`);
    return EXIT.usage;
  }
  let exitCode: ExitCode = EXIT.pass;
  const setExit = (code: ExitCode) => (exitCode = code);
  const cli = yargs(argv)
    .scriptName('plugbench')
    .usage('$0 <command> [options]\n\nBenchmark and fuzz Rust plugins across WebAssembly and native boundaries.')
    .strict()
    .demandCommand(1, 'Give a command; `plugbench --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  // With --json, stdout carries only the results; everything meant for a person goes to stderr.
  const json = argv.includes('--json');
  const log = console.log;
  if (json) console.log = console.error;
  const restoreStdout = json ? divertStdoutToStderr() : () => {};
  let published: Results | undefined;
  const report = (dir: string, results: Results) => {
    published = results;
    return writeReports(dir, results);
  };
  for (const [name, option] of Object.entries(GLOBAL_OPTIONS)) cli.option(name, option);
  for (const { command, describe, builder, handler } of COMMANDS) {
    cli.command(command, describe, builder, async (args) => {
      setExit(
        await handler(args, {
          commandLine: ['plugbench', ...argv].join(' '),
          report,
          informational: (args.informational as string[] | undefined) ?? [],
        }),
      );
    });
  }
  try {
    await cli.parseAsync();
    restoreStdout();
    if (json && published) log(JSON.stringify(published));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`plugbench: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof PluginLoadError) {
      console.error(`plugbench: the plugin was refused (${e.kind}): ${e.message}`);
      return EXIT.usage;
    }
    console.error(`plugbench: internal error — please report it:\n${(e as Error).stack ?? e}`);
    return EXIT.harnessBroke;
  } finally {
    restoreStdout();
    console.log = log;
  }
  return exitCode;
}
