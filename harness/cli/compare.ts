import { trustedKeys } from '../contract/keys.ts';
import { UsageError } from '../contract/errors.ts';
import { compareInterleaved } from '../gate/compare.ts';
import { parseLane } from '../lanes/lane.ts';
import { environment } from '../measure/environment.ts';
import { initHistograms } from '../measure/latency.ts';
import { resolvePluginDir, stateDir } from '../paths.ts';
import { formatNs } from '../report/format.ts';
import { RESULTS_SCHEMA } from '../report/results.ts';
import { type CliCommand, EXIT } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

interface CompareArgs extends PolicyArgs {
  base: string;
  head: string;
  op: string;
  lane: string;
  rounds: number;
  roundMs: number;
  threshold: string;
  inputSize: number;
  out: string;
  trust?: string[];
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export const compareCommand: CliCommand<CompareArgs> = {
  command: 'compare',
  describe: 'Interleaved A/B: run base and head alternately in one process and say whether head regressed',
  builder: (yargs) =>
    withPolicyFlags(yargs, 'both plugins')
      .option('base', { type: 'string', demandOption: true, describe: 'base plugin (name or built directory)' })
      .option('head', { type: 'string', demandOption: true, describe: 'head plugin (name or built directory)' })
      .option('op', { type: 'string', demandOption: true, describe: 'op to compare' })
      .option('lane', { type: 'string', demandOption: true, describe: 'one lane, e.g. wasm-core@inproc' })
      .option('rounds', { type: 'number', default: 12, describe: 'rounds of base and head' })
      .option('round-ms', { type: 'number', default: 250, describe: 'time per side per round' })
      .option('threshold', { type: 'string', default: '10%', describe: 'p50 regression that fails, when the whole interval is above it' })
      .option('input-size', { type: 'number', default: 4096, describe: 'input size in bytes' })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('out', { type: 'string', default: 'reports/latest', describe: 'directory for results.json and reports' }) as never,
  handler: async (args, { commandLine, report }) => {
    const threshold = /^(\d+(?:\.\d+)?)%$/.exec(args.threshold);
    if (!threshold) throw new UsageError(`\`--threshold ${args.threshold}\` is not a percentage: write e.g. \`10%\``);
    const policy = policyOf(args);
    if (!(args.rounds >= 2)) throw new UsageError(`\`--rounds\` must be at least 2, got ${args.rounds}`);
    await initHistograms();
    const startedAt = new Date().toISOString();
    const lane = parseLane(args.lane);
    const result = await compareInterleaved({
      baseDir: resolvePluginDir(args.base), headDir: resolvePluginDir(args.head), op: args.op, lane,
      trusted: trustedKeys(stateDir, args.trust ?? []), policy, rounds: args.rounds, roundMs: args.roundMs,
      threshold: Number(threshold[1]) / 100, input: { sizeBytes: args.inputSize }, progress: (line) => console.error(line),
    });
    const { change } = result;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`${args.head} vs ${args.base}, ${args.op} on ${args.lane}: p50 ${formatNs(median(result.headP50Ns))} vs ${formatNs(median(result.baseP50Ns))}, change ${pct(change.estimate)} (95% CI ${pct(change.low)} … ${pct(change.high)}) over ${result.rounds} interleaved rounds`);
    console.log(result.status === 'fail' ? `REGRESSED: the whole interval lies above +${args.threshold}` : result.status === 'warn' ? `WARN: the change may exceed +${args.threshold}, but the interval does not clear it` : `no regression beyond +${args.threshold}`);
    const gate = [{ metric: 'regression.p50', scenario: `${args.base}→${args.head}:${args.op}`, lane: args.lane, threshold: `< ${args.threshold}`, value: change.estimate, status: result.status, detail: `95% CI ${pct(change.low)} … ${pct(change.high)}; rounds base ${result.baseP50Ns.join(',')} ns, head ${result.headP50Ns.join(',')} ns` }];
    report(args.out, { schema: RESULTS_SCHEMA, verdict: result.status === 'fail' ? 'fail' : 'pass', command: commandLine, startedAt, finishedAt: new Date().toISOString(), interrupted: false, env: environment(), scenarios: [], checks: [], gate });
    return result.status === 'fail' ? EXIT.gateFailed : EXIT.pass;
  },
};
