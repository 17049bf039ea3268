import { projectTrustedKeys } from '../project/trust.ts';
import { UsageError } from '../contract/errors.ts';
import {
  BLOCK_PERCENTILE,
  COMPARE_DEFAULTS,
  type CompareMetric,
  type CompareResult,
  compareInterleaved,
  HeadFailed,
  type Hosts,
} from '../gate/compare.ts';
import type { GateResult } from '../report/results.ts';
import type { RelativeChange } from '../gate/statistics.ts';
import { parseLane } from '../lanes/registry.ts';
import { initHistograms } from '../measure/latency.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import { formatNs } from '../report/format.ts';
import { resultsEnvelope } from '../report/results.ts';
import { applyGate } from '../gate/apply-gate.ts';
import { parseDurationMs } from '../contract/duration.ts';
import { type CliCommand, EXIT, outOption } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

interface CompareArgs extends PolicyArgs {
  base: string;
  head: string;
  op: string;
  lane: string;
  rounds?: number;
  maxTime: string;
  metric: CompareMetric;
  roundMs: number;
  threshold: string;
  inputSize: number;
  out: string;
  trust?: string[];
}

const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '+∞');
const interval = (c: RelativeChange) => `${pct(c.low)} … ${pct(c.high)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const FIGURE: Record<CompareMetric, string> = { inner: "the plugin's own time", roundtrip: 'the round trip' };

const HOSTS_SHOWN: Record<Hosts, string> = {
  harness: '',
  one: '; both sides held in one Go host',
  swapped: '; the sides swapped hosts every round, judged over pairs of rounds',
  own: '',
};

/** Which figure decided, where it was timed, and the other one beside it. */
function decidedLine(result: CompareResult): string {
  const other = result.beside;
  const beside = other
    ? `; ${FIGURE[other.metric]} beside it: ${pct(other.change.estimate)} (${interval(other.change)})`
    : '';
  const fresh = result.freshImagesEachRound ? '; both sides loaded afresh every round (placement is noise)' : '';
  const cpu = result.sharedCpu !== undefined ? `; both sides on CPU ${result.sharedCpu}` : '';
  const timed = `p${BLOCK_PERCENTILE} of each block, timed ${result.timedWhere}`;
  return `decided by ${FIGURE[result.decidedBy]} (${timed})${beside}${fresh}${HOSTS_SHOWN[result.hosts]}${cpu}`;
}

/** Why sampling stopped, with how long it took. */
function stoppedLine(result: CompareResult, threshold: string, maxTime: string): string {
  const after = `after ${result.rounds} rounds (${(result.elapsedMs / 1000).toFixed(1)} s)`;
  switch (result.stoppedBy) {
    case 'rounds':
      return `fixed count of ${result.rounds} rounds, judged with a fixed-sample t interval`;
    case 'fail':
      return `stopped ${after}: the confidence sequence lies above +${threshold}`;
    case 'pass':
      return `stopped ${after}: the confidence sequence lies at or below +${threshold}`;
    case 'precise':
      return `stopped ${after}: the interval is under a quarter of ${threshold} wide, and straddles it`;
    case 'budget':
      return `stopped ${after}: the \`--max-time ${maxTime}\` budget ran out before the interval decided`;
  }
}

function verdictLine(result: CompareResult, threshold: string): string {
  if (result.status === 'fail') return `REGRESSED: the whole interval lies above +${threshold}`;
  if (result.status === 'pass') return `no regression beyond +${threshold}`;
  const fix = result.stoppedBy === 'budget' ? '; give it more `--max-time`, or a quieter machine' : '';
  const shown = interval(result.change);
  return `WARN: the change may exceed +${threshold}, but its interval (${shown}) does not clear it${fix}`;
}

export const compareCommand: CliCommand<CompareArgs> = {
  command: 'compare',
  describe: 'Interleaved A/B: run base and head alternately in one process and say whether head regressed',
  builder: (yargs) =>
    withPolicyFlags(yargs, 'both plugins')
      .option('base', { type: 'string', demandOption: true, describe: 'base plugin (name or built directory)' })
      .option('head', { type: 'string', demandOption: true, describe: 'head plugin (name or built directory)' })
      .option('op', { type: 'string', demandOption: true, describe: 'op to compare' })
      .option('lane', { type: 'string', demandOption: true, describe: 'one lane, e.g. wasm-core@inproc' })
      .option('rounds', {
        type: 'number',
        describe:
          'exactly K rounds, judged with a fixed-sample t interval (default: rounds until the interval decides)',
      })
      .option('max-time', {
        type: 'string',
        default: `${COMPARE_DEFAULTS.maxTimeMs / 1000}s`,
        describe: 'budget of a sequential comparison; still undecided then: warn',
      })
      .option('metric', {
        choices: ['inner', 'roundtrip'],
        default: COMPARE_DEFAULTS.metric,
        describe: "what decides: the plugin's own time inside the worker, child or Go host, or the round trip",
      })
      .option('round-ms', {
        type: 'number',
        default: COMPARE_DEFAULTS.roundMs,
        describe: 'length of a round, both sides in alternating blocks',
      })
      .option('threshold', {
        type: 'string',
        default: `${COMPARE_DEFAULTS.threshold * 100}%`,
        describe: `regression of the blocks' p${BLOCK_PERCENTILE} that fails, when the whole interval is above it`,
      })
      .option('input-size', {
        type: 'number',
        default: COMPARE_DEFAULTS.inputSizeBytes,
        describe: 'input size in bytes',
      })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('out', outOption()) as never,
  handler: async (args, { commandLine, report }) => {
    const threshold = /^(\d+(?:\.\d+)?)%$/.exec(args.threshold);
    if (!threshold) throw new UsageError(`\`--threshold ${args.threshold}\` is not a percentage: write e.g. \`10%\``);
    const policy = policyOf(args);
    if (args.rounds !== undefined && !(args.rounds >= 2)) {
      throw new UsageError(`\`--rounds\` must be at least 2, got ${args.rounds}`);
    }
    const maxTimeMs = parseDurationMs(args.maxTime);
    if (maxTimeMs === undefined) {
      throw new UsageError(`\`--max-time ${args.maxTime}\` is not a duration: write \`60s\`, \`500ms\` or \`2m\``);
    }
    await initHistograms();
    const startedAt = new Date().toISOString();
    const lane = parseLane(args.lane);
    const compared = await compareInterleaved({
      baseDir: resolvePluginDir(args.base),
      headDir: resolvePluginDir(args.head),
      op: args.op,
      lane,
      trusted: projectTrustedKeys(args.trust),
      policy,
      ...(args.rounds !== undefined ? { rounds: args.rounds } : {}),
      maxTimeMs,
      metric: args.metric,
      roundMs: args.roundMs,
      threshold: Number(threshold[1]) / 100,
      input: { sizeBytes: args.inputSize },
      progress: (line) => console.error(line),
    }).catch((e: unknown) => {
      if (e instanceof HeadFailed) return e;
      throw e;
    });
    const row = {
      metric: `regression.p${BLOCK_PERCENTILE}`,
      scenario: `${args.base}→${args.head}:${args.op}`,
      lane: args.lane,
      threshold: `< ${args.threshold}`,
    };
    const gate =
      compared instanceof HeadFailed ? headFailedVerdict(compared, row) : measuredVerdict(compared, args, row);
    const { results } = await applyGate(resultsEnvelope({ command: commandLine, startedAt }), { decided: [gate] });
    report(args.out, results);
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};

type RowHead = Pick<GateResult, 'metric' | 'scenario' | 'lane' | 'threshold'>;

/** Prints the verdict on a head whose op fails where base's succeeds: a fail, with no time to judge. */
function headFailedVerdict(failed: HeadFailed, row: RowHead): GateResult {
  console.log(`REGRESSED: ${failed.message}`);
  return { ...row, value: null, status: 'fail', detail: failed.message, samples: 0 };
}

/** Prints what the rounds measured and their verdict, and returns its gate row. */
function measuredVerdict(result: CompareResult, args: CompareArgs, row: RowHead): GateResult {
  const { change } = result;
  const p50s = `p50 ${formatNs(median(result.headP50Ns))} vs ${formatNs(median(result.baseP50Ns))}`;
  const kind = result.interval === 't interval' ? 'CI' : 'CS';
  const shown =
    `change ${pct(change.estimate)} (95% ${kind} ${interval(change)})` + ` over ${result.rounds} interleaved rounds`;
  console.log(`${args.head} vs ${args.base}, ${args.op} on ${args.lane}: ${p50s}, ${shown}`);
  console.log(decidedLine(result));
  console.log(stoppedLine(result, args.threshold, args.maxTime));
  console.log(verdictLine(result, args.threshold));
  const detail =
    `${result.decidedBy} p${BLOCK_PERCENTILE} of blocks, 95% ${result.interval} ${interval(change)} after ` +
    `${result.rounds} rounds` +
    ` (${result.stoppedBy}); rounds base ${result.baseP50Ns.join(',')} ns, head ${result.headP50Ns.join(',')} ns`;
  return {
    ...row,
    value: change.estimate,
    status: result.status,
    detail,
    samples: result.rounds,
    interval: { low: change.low, high: change.high, confidence: change.confidence, method: result.interval },
    decidedBy: result.decidedBy,
  };
}
