import { readFileSync, statSync } from 'node:fs';
import { abiOfDir, type PluginAbi } from '../abi/abi.ts';
import { lanesForPlugin } from '../lanes/lanes-for-plugin.ts';
import { relative } from 'node:path';
import fc from 'fast-check';
import { UsageError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { type LaneOptions } from '../isolations/isolation.ts';
import { openLane, openSequenceLane, sequenceLaneOf } from '../lanes/open-lane.ts';
import { BOUNDARIES, type Boundary } from '../engines/instance.ts';
import { canSequence, type Lane, type LaneId, laneName, type SequencingLane } from '../isolations/lane.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import type { FuzzFailure, FuzzResults, GuidedFuzzStats } from '../report/results.ts';
import { arbitraryFor } from './arbitraries.ts';
import { currentProject } from '../project/project.ts';
import { loadCorpus, saveToCorpus } from './corpus.ts';
import { type Finding, judgeInput, type JudgeContext, JudgementAbandoned } from './judge.ts';
import { LEAK_BOUND_BYTES_PER_CALL, memorySlopePerCall } from './leak.ts';
import { checkSequences, type SequenceReport } from './stateful.ts';
import { fuzzTargetOf } from './targets.ts';
import type { GuidedLane } from './coverage/guided-lane.ts';
import {
  type FuzzMode,
  fuzzModeOf,
  type GuidedMode,
  type GuidedPhaseResult,
  openGuidedLanes,
  runGuidedPhase,
} from './coverage/guided-phase.ts';
import type { OpSpec } from '../contract/manifest.ts';
import { guidedStats } from './coverage/guided-stats.ts';

/** Share of a plugin/op's time budget the guided loop gets; fast-check's structured inputs get the rest. */
const GUIDED_SHARE = 0.75;
/** Without `--time`, the guided loop runs this many executions per requested run. */
const GUIDED_EXECS_PER_RUN = 100;

/** What a fuzz run does when its options do not say. */
export const FUZZ_DEFAULTS = {
  /** Deadline per call, in ms: a hang ends as a finding. */
  deadlineMs: 2000,
  /** Generated inputs per plugin/op pair without a time budget. */
  runs: 1000,
  /** Generated inputs per plugin/op pair with a time budget: fast-check stops at the time instead. */
  runsWithinTime: 1_000_000,
  sequenceRuns: 30,
};

export interface FuzzOptions {
  /** Plugin names or built directories. */
  plugins: readonly string[];
  /** Only these ops. @default every op of each plugin */
  ops?: readonly string[];
  lanes: readonly LaneId[];
  trusted: readonly TrustedKey[];
  /** Quotas and grants the plugins are loaded under. @default DEFAULT_POLICY */
  policy?: HostPolicy;
  /** Budget for the whole run, split evenly across plugin/op pairs, in ms. */
  timeMs?: number;
  /** Generated inputs per plugin/op pair (corpus replays come on top). @default FUZZ_DEFAULTS.runs */
  runs?: number;
  seed: number;
  /** Replay exactly this input file instead of generating. */
  replayFile?: string;
  /**
   * Deadline per call on lanes that enforce one (and per
   * step of the sequences), so hangs end as findings.
   * @default FUZZ_DEFAULTS.deadlineMs
   */
  deadlineMs?: number;
  /** @default the project's corpus (`corpus` in plugbench.config.json) */
  corpusDir?: string;
  /** Save failures to the corpus. @default true */
  save?: boolean;
  /** Fuzz guided by coverage where a plugin has a coverage build; false forces blind. @default true */
  coverage?: boolean;
  /** Extra dictionary words for the guided loop (`--dict FILE`). @default none */
  dictionary?: readonly Uint8Array[];
  /**
   * Runs of init/call/shutdown sequences compared across boundaries, per plugin; 0 skips.
   * @default FUZZ_DEFAULTS.sequenceRuns
   */
  sequenceRuns?: number;
  progress?: (line: string) => void;
}

/** Time kept aside per plugin for its init/call/shutdown sequences (their lanes take most of it to start), in ms. */
const SEQUENCE_RESERVE_MS = 2000;

const PROPERTY_SUMMARY = (context: JudgeContext) =>
  [
    'robustness',
    'error-model',
    ...(context.lanes.length > 1 ? ['differential'] : []),
    ...(context.target.oracle ? ['oracle'] : []),
    ...(context.deterministic ? ['determinism'] : []),
    ...(context.target.inverse ? ['round-trip'] : []),
    ...(context.lanes.some((l) => l.id.boundary !== 'native') ? ['no-leak'] : []),
  ].join('+');

/** The one line that reproduces a saved failure. */
export function replayCommand(plugin: string, op: string, lanes: readonly Lane[], file: string): string {
  return (
    `npx plugbench fuzz --plugin ${plugin} --op ${op} --lane ${lanes.map((l) => l.name).join(',')} --replay ` +
    `${relative(process.cwd(), file) || file}`
  );
}

function readReplayInput(file: string): Uint8Array {
  const isFile = statSync(file, { throwIfNoEntry: false })?.isFile() === true;
  if (!isFile) {
    const fix = 'give the `.bin` file a finding saved (its replay line names it, under fixtures/corpus/<plugin>/<op>/)';
    throw new UsageError(`\`--replay ${file}\`: there is no such file; ${fix}`);
  }
  return new Uint8Array(readFileSync(file));
}

/**
 * A lane per boundary for the sequences, where a deadline stops every step: the fuzz's own lane
 * when it is the one a sequence needs (a reset starts each sequence afresh), else one opened
 * for them (`extra`, for the caller to close).
 */
async function sequenceLanes(
  dir: string,
  fuzzing: readonly Lane[],
  boundaries: readonly Boundary[],
  options: LaneOptions,
): Promise<{ sequencing: SequencingLane[]; extra: SequencingLane[] }> {
  const extra: SequencingLane[] = [];
  const sequencing = await Promise.all(
    boundaries.map(async (boundary) => {
      const own = fuzzing.find((l) => l.name === laneName(sequenceLaneOf(boundary)));
      if (own && canSequence(own)) return own;
      const lane = await openSequenceLane(dir, boundary, options);
      extra.push(lane);
      return lane;
    }),
  );
  return { sequencing, extra };
}

/** A sequence finding as a fuzz failure: the shrunk steps, and what each lane answered at the last one. */
function sequenceFailure(plugin: string, finding: NonNullable<SequenceReport['finding']>, seed: number): FuzzFailure {
  const answers = finding.answers.map((a) => `${a.lane} answered ${a.answer}`).join('; ');
  const where = `step ${finding.steps.length}, ${finding.steps.at(-1)}`;
  const replay = `seed ${finding.seed}, path ${finding.path}, ${finding.shrinks} shrinks`;
  return {
    property: 'stateful',
    plugin,
    op: '(sequences)',
    lane: finding.answers.map((a) => a.lane).join(','),
    message: `the boundaries disagree at ${where}: ${answers}; sequence [${finding.steps.join('; ')}] (${replay})`,
    inputBase64: '',
    sequence: finding.steps,
    replay: `npx plugbench fuzz --plugin ${plugin} --seed ${seed}`,
  };
}

/** One plugin's lanes, open for the whole run. */
interface OpenedPlugin {
  name: string;
  abi: PluginAbi;
  lanes: Lane[];
}

/** One op of one plugin, fuzzed on that plugin's lanes. */
interface Pair {
  name: string;
  lanes: Lane[];
  op: OpSpec;
}

/** What every step of a fuzz run reads, and the results they add to. */
interface FuzzRun {
  options: FuzzOptions;
  results: FuzzResults;
  /** `performance.now()` at which the time budget ends, if there is one. */
  endAt: number | undefined;
  deadlineMs: number;
  replayInput: Uint8Array | undefined;
  laneOptions: LaneOptions;
  modes: Map<string, FuzzMode>;
  /** The coverage build's lanes, kept across the plugin's ops (each op begins a session of its own). */
  guidedLanes: Map<string, GuidedLane[]>;
  /** Ops that outlived their deadline, by plugin: the sequences leave them out, as each would cost a deadline. */
  hanging: Map<string, Set<string>>;
}

/** Calls of each lane's memory check after the fuzzing of an op. */
const LEAK_CHECK_CALLS = 1500;

const corpusDirOf = (options: FuzzOptions) => options.corpusDir ?? currentProject().corpusDir;

/**
 * Fuzzes each op of each plugin across the lanes with fast-check: the corpus is replayed
 * first, then generated inputs; a failure is shrunk, saved to the corpus, and reported with
 * seed, path and a replay command. Then init/call/shutdown sequences are compared across
 * boundaries. The harness never throws for what a plugin does; an error of its own is thrown.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResults> {
  // The budget covers everything from here: opening lanes, fuzzing, leak checks, sequences.
  const endAt = options.timeMs === undefined ? undefined : performance.now() + options.timeMs;
  const replayInput = options.replayFile === undefined ? undefined : readReplayInput(options.replayFile);
  const dirs = options.plugins.map((p) => ({ name: p, dir: resolvePluginDir(p) }));
  const run: FuzzRun = {
    options,
    results: { seed: options.seed, runs: 0, properties: [], failures: [] },
    endAt,
    deadlineMs: options.deadlineMs ?? FUZZ_DEFAULTS.deadlineMs,
    replayInput,
    laneOptions: { trusted: options.trusted, ...(options.policy ? { policy: options.policy } : {}) },
    modes: new Map(),
    guidedLanes: new Map(),
    hanging: new Map(dirs.map(({ name }) => [name, new Set()])),
  };
  const opened: OpenedPlugin[] = [];
  try {
    await openPlugins(run, dirs, opened);
    await fuzzPairs(run, pairsOf(opened, options), opened.length);
    await compareSequences(run, opened);
  } finally {
    for (const { lanes } of opened) await Promise.all(lanes.map((l) => l.close()));
    for (const lanes of run.guidedLanes.values()) await Promise.all(lanes.map((l) => l.close()));
  }
  return run.results;
}

/** Opens each plugin's lanes into `opened`, and its coverage build's where it fuzzes guided. */
async function openPlugins(
  run: FuzzRun,
  dirs: ReadonlyArray<{ name: string; dir: string }>,
  opened: OpenedPlugin[],
): Promise<void> {
  const { options } = run;
  // One plugin at a time: koffi, which every worker loads, aborts the process when many workers load it at once.
  for (const { name, dir } of dirs) {
    // Lanes that do not run the plugin's ABI (an Extism plugin on a component or native lane) are left out, saying why.
    const ids = lanesForPlugin(dir, options.lanes, (line) => options.progress?.(`${name}: ${line}`));
    const lanes = await Promise.all(ids.map((id) => openLane(dir, id, run.laneOptions)));
    opened.push({ name, abi: abiOfDir(dir), lanes });
  }
  for (const { name, dir } of dirs)
    run.modes.set(name, fuzzModeOf(dir, options.lanes, options.trusted, options.coverage === false));
  for (const { name, dir } of run.replayInput ? [] : dirs) {
    const mode = run.modes.get(name)!;
    if (mode.mode === 'guided')
      run.guidedLanes.set(name, await openGuidedLanes(dir, mode, options.trusted, options.policy));
  }
  for (const lane of opened[0]?.lanes ?? []) {
    const why = lane.deadline.enforced ? undefined : lane.deadline.why;
    if (why)
      options.progress?.(`${lane.name} cannot stop a call (${why}): an op that never returns there hangs the run`);
  }
}

/** Every op to fuzz, plugin by plugin; none is a usage error. */
function pairsOf(opened: readonly OpenedPlugin[], options: FuzzOptions): Pair[] {
  const pairs = opened.flatMap(({ name, lanes }) =>
    lanes[0]!.manifest.ops
      .filter((op) => !options.ops || options.ops.includes(op.name))
      .map((op) => ({ name, lanes, op })),
  );
  if (pairs.length === 0)
    throw new UsageError(
      `no op to fuzz: ${
        options.ops
          ? `none of ${options.ops.join(', ')} is an op of ${options.plugins.join(', ')}`
          : 'the plugins declare no ops'
      }`,
    );
  return pairs;
}

/** Fuzzes the pairs in turn, each with its share of what is left of the budget. */
async function fuzzPairs(run: FuzzRun, pairs: readonly Pair[], plugins: number): Promise<void> {
  // What is left of the budget is shared by the pairs still to run, after a reserve for the
  // leak checks (measured in the loop) and the sequence checks at the end.
  const sequenceReserveMs = plugins * SEQUENCE_RESERVE_MS;
  let leakCheckMs = 0;
  for (const [index, pair] of pairs.entries()) {
    const perPairMs =
      run.endAt === undefined
        ? undefined
        : Math.max(
            200,
            (run.endAt - performance.now() - sequenceReserveMs) / (pairs.length - index) -
              leakCheckMs / Math.max(1, index),
          );
    leakCheckMs += await fuzzPair(run, pair, perPairMs);
  }
}

/** Fuzzes one op: guided first where it can be, then fast-check, then the leak checks; returns their ms. */
async function fuzzPair(run: FuzzRun, pair: Pair, perPairMs: number | undefined): Promise<number> {
  const { options, results } = run;
  const { name, lanes, op } = pair;
  // fast-check stops waiting for a run when its time is up, but the run goes on: it is told to
  // stop, and awaited, so no call of it reaches the lanes once the next pair or the sequences use them.
  const time = { up: false };
  const context: JudgeContext = {
    lanes,
    op: op.name,
    deterministic: op.deterministic === true,
    target: fuzzTargetOf(lanes[0]!.manifest.name, op.name),
    deadlineMs: run.deadlineMs,
    stats: new Map(),
    abandoned: () => time.up,
  };
  const corpus = loadCorpus(lanes[0]!.manifest.name, op.name, corpusDirOf(options));
  const mode = run.modes.get(name)!;
  const guided =
    mode.mode === 'guided' && !run.replayInput ? await guidedPhase(run, pair, mode, context, perPairMs) : undefined;
  const modeReport = guidedStats(mode, guided);
  options.progress?.(`${name} ${op.name}: ${modeReport.line}`);
  const guidedRuns = guided?.runs.reduce((n, r) => n + r.execs, 0) ?? 0;
  if (guided?.failure) {
    results.runs += guidedRuns;
    const fields = { runs: guidedRuns, status: 'fail' as const, execsPerSecByLane: {}, ...modeReport.fields };
    results.properties.push({ property: PROPERTY_SUMMARY(context), plugin: name, op: op.name, ...fields });
    results.failures.push(guided.failure);
    if (guided.failure.kind === 'timeout') run.hanging.get(name)!.add(op.name);
    return 0;
  }
  const budgetMs = perPairMs === undefined ? undefined : perPairMs * (guided ? 1 - GUIDED_SHARE : 1);
  const { details, lastFinding } = await checkProperty(run, pair, context, corpus, time, budgetMs);
  // fast-check calls a run stopped before its first input was judged a failure; nothing was found.
  const failed = details.failed && details.counterexample !== null;
  recordProperty(run, pair, context, details, { failed, guidedRuns, fields: modeReport.fields });
  const leakStart = performance.now();
  if (!failed && details.numRuns > 0 && !options.replayFile) await leakChecks(run, pair, context);
  const leakCheckMs = performance.now() - leakStart;
  if (failed && details.counterexample) {
    if (!lastFinding)
      throw new Error(
        `harness bug: fuzzing ${name} ${op.name} failed without a finding: ${String(details.errorInstance)}`,
      );
    if (lastFinding.kind === 'timeout') run.hanging.get(name)!.add(op.name);
    results.failures.push(counterexampleFailure(run, pair, details, details.counterexample[0], lastFinding));
  }
  return leakCheckMs;
}

/** The op's property in the results, with its runs and each lane's executions per second, and a progress line. */
function recordProperty(
  run: FuzzRun,
  { name, op }: Pair,
  context: JudgeContext,
  details: fc.RunDetails<[Uint8Array]>,
  { failed, guidedRuns, fields }: { failed: boolean; guidedRuns: number; fields: Partial<GuidedFuzzStats> },
): void {
  const runs = details.numRuns + guidedRuns;
  run.results.runs += runs;
  const execsPerSecByLane = Object.fromEntries(
    [...context.stats].map(([lane, s]) => [lane, Math.round(s.calls / (s.ns / 1e9))]),
  );
  const status = failed ? 'fail' : 'pass';
  const property = PROPERTY_SUMMARY(context);
  run.results.properties.push({ property, plugin: name, op: op.name, runs, status, execsPerSecByLane, ...fields });
  const unjudged = details.interrupted && details.numRuns === 0 ? ' (the time ran out before an input was judged)' : '';
  const rates = Object.entries(execsPerSecByLane)
    .map(([l, n]) => `${l} ${n}/s`)
    .join(', ');
  run.options.progress?.(
    `${name} ${op.name}: ${details.numRuns} runs${unjudged}, ${failed ? 'FAILED' : 'ok'}; ${rates}`,
  );
}

/** The coverage-guided loop on an op, with its share of the pair's budget (or runs). */
function guidedPhase(
  run: FuzzRun,
  { name, lanes, op }: Pair,
  mode: GuidedMode,
  context: JudgeContext,
  perPairMs: number | undefined,
): Promise<GuidedPhaseResult> {
  const { options } = run;
  const budget =
    perPairMs === undefined
      ? { timeMs: Infinity, maxExecs: (options.runs ?? FUZZ_DEFAULTS.runs) * GUIDED_EXECS_PER_RUN }
      : { timeMs: perPairMs * GUIDED_SHARE };
  return runGuidedPhase({
    plugin: name,
    dir: resolvePluginDir(name),
    mode,
    context,
    guidedLanes: run.guidedLanes.get(name)!,
    arbitrary: context.target.input ?? arbitraryFor(op.input),
    seed: options.seed,
    ...budget,
    deadlineMs: run.deadlineMs,
    corpusDir: corpusDirOf(options),
    dictionary: options.dictionary ?? [],
    save: options.save !== false,
    replayCommand: (file) => replayCommand(name, op.name, lanes, file),
  });
}

/** fast-check over the op's inputs (the corpus first), or the one replayed; a harness error is thrown. */
async function checkProperty(
  run: FuzzRun,
  { op }: Pair,
  context: JudgeContext,
  corpus: ReadonlyArray<{ input: Uint8Array }>,
  time: { up: boolean },
  budgetMs: number | undefined,
): Promise<{ details: fc.RunDetails<[Uint8Array]>; lastFinding: Finding | undefined }> {
  const { options, replayInput } = run;
  // The last input that fails is the counterexample fast-check reports, shrunk.
  let lastFinding: Finding | undefined;
  let harnessError: { error: unknown } | undefined;
  let running: Promise<boolean> = Promise.resolve(true);
  // A replay runs the one saved input: the generator is a constant, so nothing else is tried.
  const arbitrary = replayInput ? fc.constant(replayInput) : (context.target.input ?? arbitraryFor(op.input));
  const judge = async (input: Uint8Array) => {
    if (harnessError) return true;
    try {
      const finding = await judgeInput(context, input);
      if (finding && !time.up) lastFinding = finding;
      return finding === undefined;
    } catch (error) {
      // An error of the harness is no finding: it is not shrunk, and it is thrown below.
      if (!(error instanceof JudgementAbandoned)) harnessError = { error };
      return true;
    }
  };
  const property = fc.asyncProperty(arbitrary, (input) => (running = judge(input)));
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.replayFile
      ? 1
      : (options.runs ?? (budgetMs === undefined ? FUZZ_DEFAULTS.runs : FUZZ_DEFAULTS.runsWithinTime)),
    examples: options.replayFile ? [] : corpus.map((e) => [e.input] as [Uint8Array]),
    ...(budgetMs !== undefined && !options.replayFile ? { interruptAfterTimeLimit: budgetMs } : {}),
  });
  time.up = true;
  await running;
  if (harnessError) throw harnessError.error;
  return { details, lastFinding };
}

/** Linear memory that grows call after call on a lane: a `no-leak` failure each, the op's property failed. */
async function leakChecks(run: FuzzRun, { name, lanes, op }: Pair, context: JudgeContext): Promise<void> {
  const { options, results } = run;
  const inputs = fc.sample(context.target.input ?? arbitraryFor(op.input), { numRuns: 32, seed: options.seed });
  for (const lane of lanes) {
    const callOptions = lane.deadline.enforced ? { deadlineMs: run.deadlineMs } : {};
    const slope = await memorySlopePerCall(lane, op.name, inputs, LEAK_CHECK_CALLS, callOptions);
    if (slope === undefined || slope <= LEAK_BOUND_BYTES_PER_CALL) continue;
    results.properties.at(-1)!.status = 'fail';
    results.failures.push({
      property: 'no-leak',
      plugin: name,
      op: op.name,
      lane: lane.name,
      message:
        `linear memory grew ${slope.toFixed(1)} bytes per call over ${LEAK_CHECK_CALLS} calls after warm-up ` +
        `(bound ${LEAK_BOUND_BYTES_PER_CALL})`,
      inputBase64: '',
      replay: `npx plugbench fuzz --plugin ${name} --op ${op.name} --lane ${lane.name} --seed ${options.seed}`,
    });
  }
}

/** The shrunk counterexample as a fuzz failure, saved to the corpus unless told not to (or replayed). */
function counterexampleFailure(
  run: FuzzRun,
  { name, lanes, op }: Pair,
  details: fc.RunDetails<[Uint8Array]>,
  input: Uint8Array,
  finding: Finding,
): FuzzFailure {
  const { options } = run;
  const path = details.counterexamplePath ?? '';
  const saved =
    options.save === false || options.replayFile
      ? { file: options.replayFile ?? '(not saved)', isNew: false }
      : saveToCorpus(
          lanes[0]!.manifest.name,
          op.name,
          input,
          finding,
          { seed: details.seed, path },
          corpusDirOf(options),
        );
  return {
    property: finding.property,
    plugin: name,
    op: op.name,
    lane: finding.lane,
    ...(finding.kind ? { kind: finding.kind as FuzzFailure['kind'] } : {}),
    message:
      `${finding.message} (seed ${details.seed}, path ${path || 'corpus'}, ${details.numShrinks} ` +
      `shrinks, ${input.length}-byte input)`,
    inputBase64: Buffer.from(input).toString('base64'),
    replay: replayCommand(name, op.name, lanes, saved.file),
  };
}

/** Init/call/shutdown sequences of each contract-v1 plugin compared across the boundaries fuzzed. */
async function compareSequences(run: FuzzRun, opened: readonly OpenedPlugin[]): Promise<void> {
  const { options, endAt } = run;
  const sequenceRuns = options.replayFile ? 0 : (options.sequenceRuns ?? FUZZ_DEFAULTS.sequenceRuns);
  // The boundaries fuzzed, and the component beside the core module it wraps.
  const fuzzed = new Set(options.lanes.map((l) => l.boundary));
  const boundaries = BOUNDARIES.filter((b) => fuzzed.has(b) || (b === 'wasm-component' && fuzzed.has('wasm-core')));
  if (sequenceRuns > 0 && boundaries.length < 2) {
    options.progress?.(
      `init/call/shutdown sequences left out: they compare boundaries, and only ${boundaries.join('')} is fuzzed`,
    );
  }
  // Extism plugins run on one boundary: their lanes (the JS and the Go SDK) were compared call by call above.
  const sequenced = opened.filter((o) => o.abi === 'contract-v1');
  for (const [index, { name, lanes }] of (sequenceRuns > 0 && boundaries.length >= 2 ? sequenced : []).entries()) {
    if (endAt !== undefined && performance.now() >= endAt) {
      options.progress?.(`${name} init/call/shutdown sequences left out: the time budget is spent`);
      continue;
    }
    const left = [...run.hanging.get(name)!];
    const ops = lanes[0]!.manifest.ops.filter((op) => !left.includes(op.name));
    // What is left of the budget is shared by the plugins whose sequences are still to run.
    const share =
      endAt === undefined
        ? {}
        : { endAt: performance.now() + (endAt - performance.now()) / (sequenced.length - index) };
    const { sequencing, extra } = await sequenceLanes(resolvePluginDir(name), lanes, boundaries, run.laneOptions);
    const sequenceOptions = { runs: sequenceRuns, seed: options.seed, deadlineMs: run.deadlineMs, ...share };
    const report = await checkSequences(sequencing, ops, sequenceOptions).finally(() =>
      Promise.all(extra.map((l) => l.close())),
    );
    run.results.properties.push({
      property: 'stateful',
      plugin: name,
      op: '(sequences)',
      runs: report.runs,
      status: report.finding ? 'fail' : 'pass',
      execsPerSecByLane: {},
    });
    const notes = [
      ...(left.length ? [`left out ${left.join(', ')}, which outlived the deadline`] : []),
      ...(report.limited ? [`${report.limited} cut short by a limit`] : []),
    ];
    const on = sequencing.map((l) => l.name).join(', ');
    const ran = `${report.runs} runs${notes.length ? ` (${notes.join('; ')})` : ''}`;
    options.progress?.(
      `${name} init/call/shutdown sequences on ${on}: ${ran}, ${report.finding ? 'DISAGREE' : 'agree'}`,
    );
    if (report.finding) run.results.failures.push(sequenceFailure(name, report.finding, options.seed));
  }
}
