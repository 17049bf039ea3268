import { readResults } from '../gate/baseline.ts';
import { UsageError } from '../contract/errors.ts';
import { applyGate } from '../gate/apply-gate.ts';
import { initHistograms } from '../measure/latency.ts';
import { mergeResults } from '../report/merge.ts';
import { isMeasured } from '../report/results.ts';
import { type CliCommand, EXIT } from './command.ts';
import { printGate, printWarnings } from './gate.ts';

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
    const { merged, warnings } = mergeResults(args.results.map(readResults), { commandLine, informational });
    printWarnings(warnings);
    const gate = await applyGate(merged, { baseline: args.baseline, strictEnv: args.strictEnv });
    printWarnings(gate.warnings);
    const gated = gate.results;
    const paths = report(args.o, gated);
    printGate(gated);
    const lanes = gated.scenarios.flatMap((s) => s.lanes).filter(isMeasured);
    const calls = lanes.reduce((n, l) => n + l.load.calls, 0);
    const what = `${args.results.length} result file(s): ${gated.scenarios.length} scenario(s), ${calls} calls`;
    console.error(`merged ${what}; wrote ${paths.join(', ')}`);
    return gated.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
