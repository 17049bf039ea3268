import type { Argv } from 'yargs';
import { buildPlugins } from '../build/build-plugins.ts';
import { defaultBuildDir } from '../paths.ts';
import { type CliCommand, EXIT } from './command.ts';

export const buildCommand: CliCommand = {
  command: 'build [crates..]',
  describe: 'Build fixture plugins (default) or the given crates into core module, component and native library, signed',
  builder: (yargs: Argv) =>
    yargs
      .positional('crates', { type: 'string', array: true, describe: 'crate directories that implement contract 1.0 (default: every fixture plugin)' })
      .option('out', { type: 'string', default: defaultBuildDir, describe: 'directory to write <name>/plugin.json and the artifacts into' })
      .option('quiet', { type: 'boolean', default: false, describe: 'print only errors' }),
  handler: async (args: { crates?: string[]; out: string; quiet: boolean }) => {
    const started = performance.now();
    const built = await buildPlugins({ crates: args.crates, outDir: args.out, log: args.quiet ? undefined : (line) => console.error(line) });
    if (!args.quiet) console.error(`${built.length} plugin(s) built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return EXIT.pass;
  },
};
