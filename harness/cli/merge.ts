import { readResults } from '../gate/baseline.ts';
import { UsageError } from '../contract/errors.ts';
import { initHistograms } from '../measure/latency.ts';
import { mergeResults } from '../report/merge.ts';
import { type CliCommand, EXIT } from './command.ts';
import { applyGate, printGate } from './gate.ts';

export const mergeCommand: CliCommand<{ results: string[]; o: string; baseline?: string; strictEnv: boolean }> = {
  command: 'merge <results..>',
  describe: 'Merge results.json files from shards or runners (histograms added exactly) and gate the merged result',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', array: true, describe: 'results.json files' })
      .option('o', {
        alias: 'out',
        type: 'string',
        demandOption: true,
        describe: 'directory for the merged results.json and reports',
      })
      .option('baseline', { type: 'string', describe: 'baseline for regression thresholds' })
      .option('strict-env', {
        type: 'boolean',
        default: false,
        describe: 'fail when the baseline comes from another environment',
      }) as never,
  handler: async (args, { commandLine, report, informational }) => {
    if (args.results.length === 0) throw new UsageError('give at least one results.json to merge');
    await initHistograms();
    const { merged, warnings } = mergeResults(args.results.map(readResults), commandLine);
    for (const w of warnings) console.error(`plugbench: WARNING: ${w}`);
    const gated = await applyGate(
      { ...merged, informational: [...new Set([...(merged.informational ?? []), ...informational])] },
      args.baseline,
      args.strictEnv,
    );
    const paths = report(args.o, gated);
    printGate(gated);
    console.error(
      `merged ${args.results.length} result file(s): ${gated.scenarios.length} scenario(s), ${gated.scenarios.reduce((s, x) => s + x.lanes.reduce((n, l) => n + l.load.calls, 0), 0)} calls; wrote ${paths.join(', ')}`,
    );
    return gated.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
