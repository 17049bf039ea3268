import { projectTrustedKeys } from '../project/trust.ts';
import { UsageError } from '../contract/errors.ts';
import { applyGate } from '../gate/apply-gate.ts';
import { FUZZ_DEFAULTS, runFuzz } from '../fuzz/run-fuzz.ts';
import { availableLanes, parseLanes } from '../lanes/registry.ts';
import { type LaneId, laneName } from '../isolations/lane.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import { readDictionaryFile } from '../fuzz/coverage/dictionary.ts';
import { fuzzModeOf, minimizeCoverageCorpus } from '../fuzz/coverage/guided-phase.ts';
import { openInstance } from '../engines/open-instance.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { resultsEnvelope } from '../report/results.ts';
import { parseDurationMs } from '../contract/duration.ts';
import { currentProject, projectPlugins } from '../project/project.ts';
import { type CliCommand, EXIT, outOption } from './command.ts';
import { type PolicyArgs, policyOf, withPolicyFlags } from './policy-flags.ts';

/**
 * Lanes fuzzed by default: a deadline stops hangs on each, and a native crash stays in its
 * process. The Go host's lanes join them where Go is on the machine.
 */
export const DEFAULT_FUZZ_LANES = ['wasm-core@worker', 'native@process', 'wasm-core@go', 'native@go'];

function defaultFuzzLanes(): LaneId[] {
  const configured = currentProject().lanes;
  if (configured) return parseLanes(configured);
  const available = new Set(availableLanes((line) => console.error(line)).map(laneName));
  return parseLanes(DEFAULT_FUZZ_LANES).filter((lane) => available.has(laneName(lane)));
}

interface FuzzArgs extends PolicyArgs {
  plugin?: string[];
  op?: string[];
  lane?: string[];
  time?: string;
  runs?: number;
  seed?: number;
  replay?: string;
  deadlineMs: number;
  corpus?: string;
  out: string;
  trust?: string[];
  coverage: boolean;
  dict?: string;
  minimize: boolean;
}

/** `--minimize`: each guided plugin/op's coverage corpus cut to what keeps its coverage. */
async function minimizeCorpora(args: FuzzArgs): Promise<typeof EXIT.pass> {
  const lanes = args.lane?.length ? parseLanes(args.lane) : defaultFuzzLanes();
  const trusted = projectTrustedKeys(args.trust);
  const policy = policyOf(args);
  for (const plugin of args.plugin?.length ? args.plugin : projectPlugins()) {
    const dir = resolvePluginDir(plugin);
    const mode = fuzzModeOf(dir, lanes, trusted, false);
    if (mode.mode === 'blind') {
      console.error(`${plugin}: nothing to minimise (${mode.why})`);
      continue;
    }
    for (const op of (await listOps(dir, trusted, policy)).filter((o) => !args.op?.length || args.op.includes(o))) {
      const { before, after } = await minimizeCoverageCorpus(
        dir,
        mode,
        op,
        { trusted, policy },
        args.corpus ?? currentProject().corpusDir,
      );
      console.error(`${plugin} ${op}: coverage corpus ${before} → ${after} inputs`);
    }
  }
  return EXIT.pass;
}

/** The ops a built plugin declares (its manifest, read through a plain core-module load). */
async function listOps(
  dir: string,
  trusted: ReturnType<typeof projectTrustedKeys>,
  policy: HostPolicy,
): Promise<string[]> {
  const instance = await openInstance(dir, 'wasm-core', { trusted, policy });
  try {
    return instance.manifest.ops.map((o) => o.name);
  } finally {
    instance.close();
  }
}

export const fuzzCommand: CliCommand<FuzzArgs> = {
  command: 'fuzz',
  describe: 'Fuzz ops across lanes: robustness, error model, differential, oracles, determinism, round trips',
  builder: (yargs) =>
    withPolicyFlags(yargs)
      .option('plugin', {
        type: 'string',
        array: true,
        describe: "plugins to fuzz (default: the project's plugins, `plugins` in plugbench.config.json)",
      })
      .option('op', { type: 'string', array: true, describe: 'only these ops' })
      .option('lane', {
        type: 'string',
        array: true,
        describe: `lanes compared (default: the config's \`lanes\`, else ${DEFAULT_FUZZ_LANES.join(',')})`,
      })
      .option('time', { type: 'string', describe: 'budget for the whole run, split across plugin/op pairs (e.g. 60s)' })
      .option('runs', {
        type: 'number',
        describe: `generated inputs per plugin/op (default ${FUZZ_DEFAULTS.runs} without --time)`,
      })
      .option('seed', { type: 'number', describe: 'seed (default: random, printed)' })
      .option('replay', { type: 'string', describe: 'replay one saved input (a corpus .bin file)' })
      .option('corpus', {
        type: 'string',
        describe: "corpus directory replayed first and saved to (default: the config's `corpus`)",
      })
      .option('deadline-ms', {
        type: 'number',
        default: FUZZ_DEFAULTS.deadlineMs,
        describe: 'deadline per call on lanes that enforce one',
      })
      .option('trust', { type: 'string', array: true, describe: 'extra trusted public key files (PEM)' })
      .option('coverage', {
        type: 'boolean',
        default: true,
        describe:
          'guide by coverage where the plugin has a coverage build (`plugbench build --coverage`); ' +
          '`--no-coverage` fuzzes blind',
      })
      .option('dict', {
        type: 'string',
        describe: 'dictionary for the guided loop (AFL/libFuzzer format: `name="word"` lines)',
      })
      .option('minimize', {
        type: 'boolean',
        default: false,
        describe: 'shrink each plugin/op coverage corpus to the inputs that keep its coverage, then stop',
      })
      .option('out', outOption()) as never,
  handler: async (args, { commandLine, report, informational }) => {
    const timeMs = args.time === undefined ? undefined : parseDurationMs(args.time);
    if (args.time !== undefined && timeMs === undefined)
      throw new UsageError(`\`--time ${args.time}\` is not a duration: write \`60s\` or \`2m\``);
    if (args.replay !== undefined && (args.plugin?.length !== 1 || args.op?.length !== 1))
      throw new UsageError('`--replay FILE` needs exactly one `--plugin` and one `--op`');
    if (args.minimize) return minimizeCorpora(args);
    const seed = args.seed ?? Math.floor(Math.random() * 2 ** 31);
    const plugins = args.plugin?.length ? args.plugin : projectPlugins();
    if (plugins.length === 0)
      throw new UsageError(
        'no plugin to fuzz: give `--plugin P`, or build the crates of plugbench.config.json with `plugbench build`',
      );
    const startedAt = new Date().toISOString();
    const fuzz = await runFuzz({
      plugins,
      ...(args.op?.length ? { ops: args.op } : {}),
      lanes: args.lane?.length ? parseLanes(args.lane) : defaultFuzzLanes(),
      trusted: projectTrustedKeys(args.trust),
      policy: policyOf(args),
      ...(timeMs !== undefined ? { timeMs } : {}),
      ...(args.runs !== undefined ? { runs: args.runs } : {}),
      seed,
      ...(args.replay !== undefined ? { replayFile: args.replay } : {}),
      deadlineMs: args.deadlineMs,
      ...(args.corpus !== undefined ? { corpusDir: args.corpus } : {}),
      coverage: args.coverage,
      ...(args.dict !== undefined ? { dictionary: readDictionaryFile(args.dict) } : {}),
      progress: (line) => console.error(line),
    });
    const { results } = await applyGate(resultsEnvelope({ command: commandLine, startedAt, informational, fuzz }));
    report(args.out, results);
    console.log(
      `fuzz: seed ${seed}, ${fuzz.runs} runs over ${fuzz.properties.length} plugin/op pairs: ` +
        `${fuzz.failures.length === 0 ? 'no findings' : `${fuzz.failures.length} finding(s)`}`,
    );
    for (const f of fuzz.failures) {
      const what = f.sequence
        ? `sequence:\n${f.sequence.map((step, i) => `    ${i + 1}. ${step}`).join('\n')}`
        : `input (base64): ${f.inputBase64.slice(0, 120)}`;
      console.log(
        `\nFOUND ${f.property} on ${f.plugin} ${f.op} (${f.lane}${f.kind ? `, ${f.kind}` : ''}): ${f.message}\n  ` +
          `${what}\n  replay: ${f.replay}`,
      );
    }
    return results.verdict === 'pass' ? EXIT.pass : EXIT.gateFailed;
  },
};
