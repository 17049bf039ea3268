import { dirname } from 'node:path';
import { applyGate } from '../gate/apply-gate.ts';
import { readResults } from '../gate/baseline.ts';
import type { RegressionMetric } from '../gate/evaluate.ts';
import { type Results, resultsEnvelope } from '../report/results.ts';
import { formatGateValue } from '../report/format.ts';
import { type CliCommand, EXIT } from './command.ts';
import { colour } from './progress.ts';

/** Says what the gate warned about, on stderr. */
export function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings) console.error(`plugbench: WARNING: ${w}`);
}

export function printGate(results: Results): void {
  const failed = results.gate.filter((g) => g.status !== 'pass');
  for (const g of failed)
    console.log(
      `gate ${g.status.toUpperCase()}: ${g.scenario} ${g.lane}: ${g.metric} = ${formatGateValue(g)} (threshold ` +
        `${g.threshold})${g.detail ? ` — ${g.detail}` : ''}`,
    );
  for (const c of results.checks.filter((c) => c.status === 'fail'))
    console.log(`check FAIL: ${c.lane} ${c.id}: ${c.detail}`);
  if (results.regressionsNotJudged) console.log(results.regressionsNotJudged);
  console.log(
    `gate: ${colour(results.verdict.toUpperCase(), results.verdict === 'pass')} ` +
      `(${results.gate.filter((g) => g.status === 'pass').length} of ${results.gate.length} thresholds pass)`,
  );
}

interface GateArgs {
  results: string;
  baseline?: string;
  strictEnv: boolean;
  metric: RegressionMetric;
  out?: string;
}

export const gateCommand: CliCommand<GateArgs> = {
  command: 'gate <results>',
  describe: 'Evaluate the thresholds of a results.json (against a baseline) and exit 1 if the gate fails',
  builder: (yargs) =>
    yargs
      .positional('results', { type: 'string', describe: 'a results.json written by run, check or fuzz' })
      .option('baseline', { type: 'string', describe: 'baseline name (reports/baselines/NAME.json) or results file' })
      .option('strict-env', {
        type: 'boolean',
        default: false,
        describe: 'fail when the baseline comes from another environment',
      })
      .option('metric', {
        choices: ['inner', 'roundtrip'],
        default: 'inner',
        describe: "regressions on the plugin's own time where both runs timed it inside, or on the round trip",
      })
      .option('out', {
        type: 'string',
        describe: 'where to write the gated results and reports (default: beside RESULTS)',
      }) as never,
  handler: async (args, { report, informational }) => {
    const read = readResults(args.results);
    const envelope = resultsEnvelope({ ...read, informational: [...(read.informational ?? []), ...informational] });
    const { baseline, strictEnv, metric } = args;
    const { results, warnings } = await applyGate(envelope, { baseline, strictEnv, metric });
    printWarnings(warnings);
    report(args.out ?? dirname(args.results), results);
    printGate(results);
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
