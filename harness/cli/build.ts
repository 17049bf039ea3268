import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { buildPlugins } from '../build/build-plugins.ts';
import type { CoverageScope } from '../build/cargo.ts';
import { UsageError } from '../contract/errors.ts';
import { findGo, GO_INSTALL, goHostBinary } from '../build/go-host.ts';
import { currentProject } from '../project/project.ts';
import { type CliCommand, EXIT } from './command.ts';

/** `--coverage` alone means the plugin crate; `--coverage=all` its dependencies and std too. */
function coverageScopeOf(flag: string | undefined): CoverageScope | undefined {
  if (flag === undefined) return undefined;
  if (flag === '' || flag === 'crate') return 'crate';
  if (flag === 'all') return 'all';
  throw new UsageError(
    `\`--coverage=${flag}\` is not a coverage scope: write \`--coverage\` (the plugin crate) or \`--coverage=all\``,
  );
}

export const buildCommand: CliCommand = {
  command: 'build [crates..]',
  describe:
    "Build the project's crates (plugbench.config.json) and the Go host, or the given crates, into core module, " +
    'component and native library, signed',
  builder: (yargs: Argv) =>
    yargs
      .positional('crates', {
        type: 'string',
        array: true,
        describe: "crate directories that implement contract 1.0 (default: the config's `crates`)",
      })
      .option('out', {
        type: 'string',
        default: currentProject().buildDir,
        defaultDescription: "the config's `build`",
        describe: 'directory to write <name>/plugin.json and the artifacts into',
      })
      .option('coverage', {
        type: 'string',
        describe:
          'also build instrumented artifacts for guided fuzzing: `--coverage` (the plugin crate) or ' +
          '`--coverage=all` (dependencies and std too)',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'print only errors' }),
  handler: async (args: { crates?: string[]; out: string; quiet: boolean; coverage?: string }) => {
    const started = performance.now();
    const log = args.quiet ? undefined : (line: string) => console.error(line);
    // `--coverage DIR` reads as a value for the flag: the directory is a crate to build.
    const swallowed = args.coverage !== undefined && existsSync(join(args.coverage, 'Cargo.toml'));
    const given = swallowed ? [args.coverage!, ...(args.crates ?? [])] : (args.crates ?? []);
    const crates = given.length ? given : currentProject().crates;
    const coverage = coverageScopeOf(swallowed ? '' : args.coverage);
    const built = await buildPlugins({ crates, outDir: args.out, log, ...(coverage ? { coverage } : {}) });
    if (!args.quiet)
      console.error(`${built.length} plugin(s) built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The @go lanes' host is part of the harness: built with the project's plugins, when Go is here.
    if (!given.length) {
      if (findGo() === undefined)
        console.error(`the Go host is not built, so the @go lanes are unavailable: ${GO_INSTALL}`);
      else {
        const binary = goHostBinary(log);
        log?.(`Go host: ${binary}`);
      }
    }
    return EXIT.pass;
  },
};
