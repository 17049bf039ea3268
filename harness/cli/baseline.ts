import { saveBaseline } from '../gate/baseline.ts';
import { type CliCommand, EXIT } from './command.ts';

export const baselineCommand: CliCommand<{ action: string; results: string; name: string }> = {
  command: 'baseline <action> <results>',
  describe: 'Save a results.json as a named baseline: `plugbench baseline save RESULTS --name main`',
  builder: (yargs) =>
    yargs
      .positional('action', { type: 'string', choices: ['save'], describe: 'what to do' })
      .positional('results', { type: 'string', describe: 'the results.json to keep' })
      .option('name', {
        type: 'string',
        default: 'main',
        describe: 'baseline name; written to reports/baselines/NAME.json',
      }) as never,
  handler: async (args) => {
    console.log(`saved ${saveBaseline(args.results, args.name)}`);
    return EXIT.pass;
  },
};
