import { dirname } from 'node:path';
import { readResults } from '../gate/baseline.ts';
import { initHistograms } from '../measure/latency.ts';
import { type CliCommand, EXIT } from './command.ts';

export const reportCommand: CliCommand<{ results: string; out?: string }> = {
  command: 'report <results>',
  describe: 'Render summary.md, junit.xml and report.html again from a results.json',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', describe: 'a results.json' })
      .option('out', { type: 'string', describe: 'where to write the reports (default: beside RESULTS)' }) as never,
  handler: async (args, { report }) => {
    await initHistograms();
    const paths = report(args.out ?? dirname(args.results), readResults(args.results));
    console.log(`wrote ${paths.join(', ')}`);
    return EXIT.pass;
  },
};
