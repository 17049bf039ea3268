import { dirname } from 'node:path';
import { checkFingerprints, loadBaseline, readResults } from '../gate/baseline.ts';
import { evaluateGate, type RegressionMetric, regressionsNotJudged, verdictOf } from '../gate/evaluate.ts';
import { initHistograms } from '../measure/latency.ts';
import type { Results } from '../report/results.ts';
import { formatGateValue } from '../report/format.ts';
import { type CliCommand, EXIT } from './command.ts';
import { colour } from './progress.ts';

/** Evaluates the gate on results (against a baseline when given) and prints why it failed. */
export async function applyGate(
  results: Results,
  baselineName: string | undefined,
  strictEnv: boolean,
  metric: RegressionMetric = 'inner',
): Promise<Results> {
  await initHistograms();
  const baseline = baselineName === undefined ? undefined : loadBaseline(baselineName);
  if (baseline) {
    const warning = checkFingerprints(results, baseline, strictEnv);
    if (warning) console.error(`plugbench: WARNING: ${warning}`);
  }
  const notJudged = regressionsNotJudged(results, baseline);
  const gated = { ...results, gate: evaluateGate(results, baseline, metric), regressionsNotJudged: notJudged };
  return { ...gated, verdict: verdictOf(gated) };
}

export function printGate(results: Results): void {
  const failed = results.gate.filter((g) => g.status !== 'pass');
  for (const g of failed)
    console.log(
      `gate ${g.status.toUpperCase()}: ${g.scenario} ${g.lane}: ${g.metric} = ${formatGateValue(g)} (threshold ${g.threshold})${g.detail ? ` — ${g.detail}` : ''}`,
    );
  for (const c of results.checks.filter((c) => c.status === 'fail'))
    console.log(`check FAIL: ${c.lane} ${c.id}: ${c.detail}`);
  if (results.regressionsNotJudged) console.log(results.regressionsNotJudged);
  console.log(
    `gate: ${colour(results.verdict.toUpperCase(), results.verdict === 'pass')} (${results.gate.filter((g) => g.status === 'pass').length} of ${results.gate.length} thresholds pass)`,
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
    const withInformational = {
      ...read,
      informational: [...new Set([...(read.informational ?? []), ...informational])],
    };
    const results = await applyGate(withInformational, args.baseline, args.strictEnv, args.metric);
    report(args.out ?? dirname(args.results), results);
    printGate(results);
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
