import type { Argv } from 'yargs';
import { buildPlugins } from '../build/build-plugins.ts';
import { findGo, GO_INSTALL, goHostBinary } from '../build/go-host.ts';
import { defaultBuildDir } from '../paths.ts';
import { type CliCommand, EXIT } from './command.ts';

export const buildCommand: CliCommand = {
  command: 'build [crates..]',
  describe: 'Build fixture plugins and the Go host (default), or the given crates, into core module, component and native library, signed',
  builder: (yargs: Argv) =>
    yargs
      .positional('crates', { type: 'string', array: true, describe: 'crate directories that implement contract 1.0 (default: every fixture plugin)' })
      .option('out', { type: 'string', default: defaultBuildDir, describe: 'directory to write <name>/plugin.json and the artifacts into' })
      .option('quiet', { type: 'boolean', default: false, describe: 'print only errors' }),
  handler: async (args: { crates?: string[]; out: string; quiet: boolean }) => {
    const started = performance.now();
    const log = args.quiet ? undefined : (line: string) => console.error(line);
    const built = await buildPlugins({ crates: args.crates, outDir: args.out, log });
    if (!args.quiet) console.error(`${built.length} plugin(s) built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The @go lanes' host is part of the harness: built with the fixtures, when Go is here.
    if (!args.crates?.length) {
      if (findGo() === undefined) console.error(`the Go host is not built, so the @go lanes are unavailable: ${GO_INSTALL}`);
      else {
        const binary = goHostBinary(log);
        log?.(`Go host: ${binary}`);
      }
    }
    return EXIT.pass;
  },
};
