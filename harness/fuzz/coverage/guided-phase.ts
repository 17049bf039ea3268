import fc from 'fast-check';
import type { TrustedKey } from '../../contract/keys.ts';
import type { HostPolicy } from '../../contract/policy.ts';
import { type LaneOptions } from '../../isolations/isolation.ts';
import { type PluginMeta, readSignedPluginMeta, readVerifiedArtifact } from '../../contract/provenance.ts';
import { type LaneId, laneName } from '../../isolations/lane.ts';
import type { FuzzFailure } from '../../report/results.ts';
import { loadCorpus, saveToCorpus } from '../corpus.ts';
import { findingKey, judgeInput, type Finding, type JudgeContext } from '../judge.ts';
import { CoverageCorpus } from './coverage-corpus.ts';
import { wordsOfBinary } from './dictionary.ts';
import { fuzzGuidedOn, type GuidedRun, minimizeOnLane } from './guided-fuzz.ts';
import { GUIDED_LANES, GuidedLane } from './guided-lane.ts';
import { shrinkBytes } from './shrink-bytes.ts';

/** Samples of the op's fast-check arbitrary given to the loop as seeds, so structure is reachable from the start. */
const ARBITRARY_SEEDS = 64;

/** Opens the lanes that serve a plugin's coverage build for the guided loop. */
export function openGuidedLanes(
  dir: string,
  mode: GuidedMode,
  trusted: readonly TrustedKey[],
  policy?: HostPolicy,
): Promise<GuidedLane[]> {
  return Promise.all(
    mode.lanes.map((lane) => GuidedLane.openGuided(dir, lane, { trusted, ...(policy ? { policy } : {}) })),
  );
}

/** Guided or blind: said on the console and kept in results.json. */
export type FuzzMode =
  { mode: 'guided'; why: string; lanes: LaneId[]; meta: PluginMeta } | { mode: 'blind'; why: string };
export type GuidedMode = Extract<FuzzMode, { mode: 'guided' }>;

/** Decides how a plugin is fuzzed: guided where it has a coverage build and a lane that can run one. */
export function fuzzModeOf(
  dir: string,
  lanes: readonly LaneId[],
  trusted: readonly TrustedKey[],
  noCoverage: boolean,
): FuzzMode {
  if (noCoverage) return { mode: 'blind', why: '`--no-coverage`' };
  const meta = readSignedPluginMeta(dir, trusted);
  if (meta.coverage === undefined) {
    return { mode: 'blind', why: `no coverage build in \`${dir}\` (make one with \`plugbench build --coverage\`)` };
  }
  const guided = lanes.filter((l) => (GUIDED_LANES as readonly string[]).includes(laneName(l)));
  if (guided.length === 0) {
    return {
      mode: 'blind',
      why: `none of ${lanes.map(laneName).join(', ')} runs the guided loop (use ${GUIDED_LANES.join(' or ')})`,
    };
  }
  const scope = meta.coverage.scope === 'crate' ? 'the plugin crate instrumented' : 'dependencies and std instrumented';
  return { mode: 'guided', why: `coverage build (${scope})`, lanes: guided, meta };
}

export interface GuidedPhaseOptions {
  plugin: string;
  dir: string;
  mode: GuidedMode;
  /** The plain lanes: findings are shrunk and judged there, inputs that reached new coverage too. */
  context: JudgeContext;
  /** Lanes serving the coverage build, one per guided lane of `mode`, kept open across the plugin's ops. */
  guidedLanes: readonly GuidedLane[];
  arbitrary: fc.Arbitrary<Uint8Array>;
  seed: number;
  timeMs: number;
  maxExecs?: number;
  deadlineMs: number;
  corpusDir: string;
  /** Words from `--dict FILE`. */
  dictionary: readonly Uint8Array[];
  save: boolean;
  replayCommand: (file: string) => string;
}

/** What the guided phase reports for one plugin/op. */
export interface GuidedPhaseResult {
  runs: GuidedRun[];
  corpusSize: number;
  failure?: FuzzFailure;
}

/** Shrinks a finding on the plain lanes while it fails the same way there; as found where it does not reproduce. */
async function shrinkOnPlainLanes(
  context: JudgeContext,
  input: Uint8Array,
): Promise<{ input: Uint8Array; finding?: Finding; attempts: number }> {
  const finding = await judgeInput(context, input);
  if (finding === undefined || finding.kind === 'timeout')
    return { input, ...(finding ? { finding } : {}), attempts: 0 };
  const key = findingKey(finding);
  const shrunk = await shrinkBytes(input, async (candidate) => {
    const again = await judgeInput(context, candidate);
    return again !== undefined && findingKey(again) === key;
  });
  return {
    input: shrunk.input,
    finding: (await judgeInput(context, shrunk.input)) ?? finding,
    attempts: shrunk.attempts,
  };
}

/** The first input that reached new coverage and breaks a property on the plain lanes (differential, oracle, …). */
async function firstJudged(context: JudgeContext, inputs: readonly Uint8Array[]): Promise<Uint8Array | undefined> {
  for (const input of inputs) if (await judgeInput(context, input)) return input;
  return undefined;
}

/**
 * The guided part of fuzzing one plugin/op: seeds (saved findings first, then the coverage
 * corpus and samples of the op's arbitrary), the loop on each guided lane at once, the
 * corpus additions saved and judged on the plain lanes, and the first finding shrunk, saved
 * and given a replay command.
 */
export async function runGuidedPhase(options: GuidedPhaseOptions): Promise<GuidedPhaseResult> {
  const { context, mode } = options;
  const corpus = new CoverageCorpus(options.corpusDir, mode.meta.name, context.op);
  const saved = loadCorpus(mode.meta.name, context.op, options.corpusDir).map((e) => e.input);
  const samples = fc.sample(options.arbitrary, { numRuns: ARBITRARY_SEEDS, seed: options.seed });
  const seeds = [...saved, ...corpus.load(), ...samples];
  const plainModule = readVerifiedArtifact(options.dir, mode.meta.artifacts.wasm ?? mode.meta.coverage!.wasm);
  const dictionary = [...wordsOfBinary(plainModule), ...options.dictionary];
  // The lanes run at once; the first finding stops them all.
  let foundOnOne = false;
  const runs = await Promise.all(
    options.guidedLanes.map((lane, index) =>
      fuzzGuidedOn(lane, {
        op: context.op,
        seeds,
        dictionary,
        seed: options.seed + index,
        timeMs: options.timeMs,
        deadlineMs: options.deadlineMs,
        ...(options.maxExecs !== undefined ? { maxExecs: options.maxExecs } : {}),
        stopped: () => foundOnOne,
        onFinding: () => (foundOnOne = true),
      }),
    ),
  );
  const reached = runs.flatMap((r) => r.corpus);
  if (options.save) corpus.add(reached);
  const result: GuidedPhaseResult = { runs, corpusSize: options.save ? corpus.load().length : reached.length };
  const found = runs.find((r) => r.finding !== undefined);
  const failing = found?.finding!.input ?? (await firstJudged(context, reached));
  if (failing !== undefined) result.failure = await reportFinding(options, failing, found);
  return result;
}

/** A finding shrunk, saved with the others and given its replay command, as fast-check's are. */
async function reportFinding(
  options: GuidedPhaseOptions,
  input: Uint8Array,
  found: GuidedRun | undefined,
): Promise<FuzzFailure> {
  const { context, mode } = options;
  const shrunk = await shrinkOnPlainLanes(context, input);
  const inLoop = found?.finding;
  const finding: Finding = shrunk.finding ?? {
    property: 'robustness',
    lane: found!.lane,
    kind: inLoop!.failure.kind,
    message: inLoop!.failure.message,
  };
  const where = inLoop
    ? `found guided on ${found!.lane} after ${inLoop.afterExecs} executions (${(inLoop.afterMs / 1000).toFixed(1)} s)`
    : 'an input that reached new coverage';
  const replay = { seed: options.seed, path: 'guided' };
  const file = options.save
    ? saveToCorpus(mode.meta.name, context.op, shrunk.input, finding, replay, options.corpusDir).file
    : '(not saved)';
  return {
    property: finding.property,
    plugin: options.plugin,
    op: context.op,
    lane: finding.lane,
    ...(finding.kind ? { kind: finding.kind as FuzzFailure['kind'] } : {}),
    message:
      `${finding.message} (seed ${options.seed}, ${where}, ${shrunk.attempts} shrink attempts, ` +
      `${shrunk.input.length}-byte input)`,
    inputBase64: Buffer.from(shrunk.input).toString('base64'),
    replay: options.replayCommand(file),
  };
}

/** `--minimize`: keeps the part of a plugin/op's coverage corpus that reaches all it reaches. */
export async function minimizeCoverageCorpus(
  dir: string,
  mode: GuidedMode,
  op: string,
  load: LaneOptions,
  corpusDir: string,
): Promise<{ before: number; after: number }> {
  const corpus = new CoverageCorpus(corpusDir, mode.meta.name, op);
  const inputs = corpus.load();
  if (inputs.length === 0) return { before: 0, after: 0 };
  const kept = await minimizeOnLane(dir, mode.lanes[0]!, op, load, inputs);
  corpus.replace(kept);
  return { before: inputs.length, after: kept.length };
}
