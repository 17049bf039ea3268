import { projectTrustedKeys } from '../project/trust.ts';
import { UsageError } from '../contract/errors.ts';
import { runScenario } from '../scenario/run-scenario.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import type { LoadModel } from '../load/model.ts';
import { applyGate } from '../gate/apply-gate.ts';
import { initHistograms } from '../measure/latency.ts';
import { resultsEnvelope, type ScenarioResult } from '../report/results.ts';
import { parseDurationMs } from '../contract/duration.ts';
import { currentProject } from '../project/project.ts';
import { resolveScenario, type Scenario, SCENARIO_DEFAULTS } from '../scenario/scenario.ts';
import { parseShard, sliceForShard } from '../scenario/shard.ts';
import { loadSuite } from '../scenario/suites.ts';
import { type CliCommand, EXIT, outOption } from './command.ts';
import { printGate, printWarnings } from './gate.ts';
import { progressPrinter } from './progress.ts';
import { type PolicyArgs, policyOverridesOf, withPolicyFlags } from './policy-flags.ts';
import { printRunSummary } from './run-summary.ts';

interface RunArgs extends PolicyArgs {
  suite?: string;
  plugin?: string;
  op?: string;
  lane?: string[];
  model?: string;
  rate?: number;
  concurrency?: number;
  duration?: string;
  calls?: number;
  inputSize?: number;
  deadlineMs?: number;
  out: string;
  trust?: string[];
  baseline?: string;
  strictEnv: boolean;
  threshold?: string[];
  shard?: string;
  batch?: number;
  config?: string;
}

/** `--config JSON`: the object given to the plugin's `init` (Extism: its config map). */
function parseConfigFlag(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `\`--config ${text}\` is not JSON (${(e as Error).message}); give an object, e.g. \`--config ` +
        `'{"greeting":"hi"}'\``,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`\`--config ${text}\` is not a JSON object, e.g. \`--config '{"greeting":"hi"}'\``);
  return value as Record<string, unknown>;
}

/** How long an ad hoc run measures: longer than a suite's scenario, as a person investigating wants steady figures. */
const AD_HOC_DURATION = '5s';

/** An ad hoc scenario from flags. */
function adHocScenario(args: RunArgs): Scenario {
  const lanes = args.lane ?? currentProject().lanes;
  const missing = (['plugin', 'op', ...(lanes ? [] : (['lane'] as const))] as const).filter(
    (f) => args[f] === undefined,
  );
  if (missing.length > 0)
    throw new UsageError(
      `give \`--suite NAME\`, or ${missing.map((f) => `\`--${f}\``).join(', ')} with the others (e.g. ` +
        `\`plugbench run --plugin textkit --op tokenize --lane wasm-core@inproc\`)`,
    );
  let load: LoadModel;
  if ((args.model ?? (args.rate !== undefined ? 'open' : 'closed')) === 'open') {
    if (args.rate === undefined) throw new UsageError('`--model open` needs `--rate R` (calls per second)');
    load = { model: 'open', ratePerSec: args.rate };
  } else if (args.model === undefined || args.model === 'closed') {
    load = { model: 'closed', concurrency: args.concurrency ?? SCENARIO_DEFAULTS.load.concurrency };
  } else {
    throw new UsageError(
      `\`--model ${args.model}\` is not a load model: use \`open\` (with --rate) or \`closed\` (with --concurrency)`,
    );
  }
  if (args.duration !== undefined && parseDurationMs(args.duration) === undefined)
    throw new UsageError(`\`--duration ${args.duration}\` is not a duration: write \`10s\`, \`500ms\` or \`2m\``);
  return resolveScenario(
    {
      id: `${args.plugin}-${args.op}`.replace(/[^a-zA-Z0-9_-]/g, '_'),
      plugin: args.plugin!,
      op: args.op!,
      lanes: lanes!.flatMap((l) => l.split(',')),
      ...(args.inputSize !== undefined ? { input: { sizeBytes: args.inputSize } } : {}),
      load,
      ...(args.calls !== undefined ? { calls: args.calls } : { duration: args.duration ?? AD_HOC_DURATION }),
      ...(args.deadlineMs !== undefined ? { deadlineMs: args.deadlineMs } : {}),
      ...(args.batch !== undefined ? { batch: args.batch } : {}),
      ...(args.config !== undefined ? { config: parseConfigFlag(args.config) } : {}),
      suites: [],
      thresholds: args.threshold ?? [],
    },
    'the command line',
  );
}

export const runCommand: CliCommand<RunArgs> = {
  command: 'run',
  describe: 'Measure scenarios (a suite, or one op on some lanes) and write results.json and reports',
  builder: (yargs) =>
    withPolicyFlags(yargs)
      .option('suite', {
        type: 'string',
        describe: "run a suite of the project's scenarios: smoke, nightly or release",
      })
      .option('plugin', { type: 'string', describe: 'plugin name or built plugin directory (ad hoc run)' })
      .option('op', { type: 'string', describe: 'op to call' })
      .option('lane', {
        type: 'string',
        array: true,
        describe: "lanes, comma list or repeated, e.g. wasm-core@inproc,native@process (default: the config's `lanes`)",
      })
      .option('model', {
        type: 'string',
        choices: ['open', 'closed'],
        describe: 'load model (default: closed, or open when --rate is given)',
      })
      .option('rate', { type: 'number', describe: 'open loop: calls per second' })
      .option('concurrency', {
        type: 'number',
        describe: `closed loop: callers in flight (default ${SCENARIO_DEFAULTS.load.concurrency})`,
      })
      .option('duration', {
        type: 'string',
        describe: `how long to measure after warm-up, e.g. 10s (default ${AD_HOC_DURATION})`,
      })
      .option('calls', { type: 'number', describe: 'measure this many calls instead of a duration' })
      .option('input-size', {
        type: 'number',
        describe: `input size in bytes (default ${SCENARIO_DEFAULTS.input.sizeBytes})`,
      })
      .option('deadline-ms', { type: 'number', describe: 'deadline on every call (worker and process lanes)' })
      .option('config', {
        type: 'string',
        describe:
          'JSON object given to the plugin\'s init (an Extism plugin\'s config map), e.g. \'{"greeting":"hi"}\'',
      })
      .option('batch', {
        type: 'number',
        describe: 'closed loop on worker/process lanes: calls per crossing, each timed inside',
      })
      .option('shard', { type: 'string', describe: 'run the I-th of N deterministic slices of the suite, e.g. 2/4' })
      .option('threshold', {
        type: 'string',
        array: true,
        describe: 'gate expression for the ad hoc scenario, e.g. "latency.p99 < 50us"',
      })
      .option('baseline', {
        type: 'string',
        describe: 'compare against a baseline (name or results file) for regression thresholds',
      })
      .option('strict-env', {
        type: 'boolean',
        default: false,
        describe: 'fail when the baseline comes from another environment',
      })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('out', outOption()) as never,
  handler: async (args, { commandLine, report, informational }) => {
    if (args.suite !== undefined && (args.plugin ?? args.op ?? args.lane) !== undefined)
      throw new UsageError('give either `--suite` or `--plugin/--op/--lane`, not both');
    if (args.shard !== undefined && args.suite === undefined)
      throw new UsageError('`--shard` slices a suite: give `--suite` too');
    const overrides = policyOverridesOf(args);
    const all = args.suite !== undefined ? await loadSuite(args.suite) : [adHocScenario(args)];
    // The flags win over what each scenario's own `policy` sets, which wins over the project's.
    const scenarios = (args.shard !== undefined ? sliceForShard(all, parseShard(args.shard)) : all).map((s) => ({
      ...s,
      policy: { ...s.policy, ...overrides },
    }));
    // A missing plugin is a usage error before anything runs, not after the scenarios before it.
    for (const s of scenarios) resolvePluginDir(s.plugin);
    const trusted = projectTrustedKeys(args.trust);
    await initHistograms();
    const startedAt = new Date().toISOString();
    const abort = new AbortController();
    const onSigint = () => {
      if (abort.signal.aborted) process.exit(130);
      console.error('\nplugbench: stopping; writing what was measured (Ctrl-C again to quit at once)');
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    const done: ScenarioResult[] = [];
    try {
      for (const [i, scenario] of scenarios.entries()) {
        if (abort.signal.aborted) break;
        console.error(`[${i + 1}/${scenarios.length}] ${scenario.id}: ${scenario.lanes.length} lane(s)`);
        const progress = progressPrinter();
        done.push(
          await runScenario(scenario, {
            trusted,
            policy: currentProject().policy,
            signal: abort.signal,
            progress: (line) => progress.update(line.split(':')[0]!, `  ${line}`),
          }),
        );
        progress.done();
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    const measured = resultsEnvelope({
      command: commandLine,
      startedAt,
      interrupted: abort.signal.aborted,
      informational,
      scenarios: done,
    });
    const { results, warnings } = await applyGate(measured, { baseline: args.baseline, strictEnv: args.strictEnv });
    printWarnings(warnings);
    const paths = report(args.out, results);
    printRunSummary(results);
    printGate(results);
    console.error(`wrote ${paths.join(', ')}`);
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
