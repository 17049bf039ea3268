import type { Argv } from 'yargs';
import type { Results } from '../report/results.ts';
import { currentProject } from '../project/project.ts';

/** Exit codes (DESIGN.md): the gate passed, the gate failed, the harness was misused, the harness broke. */
export const EXIT = { pass: 0, gateFailed: 1, usage: 2, harnessBroke: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One CLI command, one file: yargs builder plus a handler that returns the exit code. */
export interface CliCommand<Args = any> {
  command: string;
  describe: string;
  builder: (yargs: Argv) => Argv<Args>;
  handler: (args: Args, context: CommandContext) => Promise<ExitCode>;
}

/** `--out`, the same on every command that measures: `reports/latest` in the project. */
export function outOption() {
  return {
    type: 'string',
    default: currentProject().latestReportDir,
    defaultDescription: 'reports/latest',
    describe: 'directory for results.json and reports',
  } as const;
}

/** What every command may need beyond its flags. */
export interface CommandContext {
  /** The command line as typed, for reports and replay lines. */
  commandLine: string;
  /** Checks and fuzz properties that are reported but do not fail the verdict (`--informational`). */
  informational: string[];
  /** Writes results.json and the reports rendered from it; with `--json`, also prints the results on stdout. */
  report(dir: string, results: Results): string[];
}
