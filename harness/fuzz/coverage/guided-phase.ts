import fc from 'fast-check';
import type { TrustedKey } from '../../contract/keys.ts';
import { type PluginMeta, readSignedPluginMeta, readVerifiedArtifact } from '../../contract/provenance.ts';
import { type LaneId, laneName } from '../../lanes/lane.ts';
import type { FuzzFailure } from '../../report/results.ts';
import { loadCorpus, saveToCorpus } from '../corpus.ts';
import { findingKey, judgeInput, type Finding, type JudgeContext } from '../judge.ts';
import { CoverageCorpus } from './coverage-corpus.ts';
import { wordsOfBinary } from './dictionary.ts';
import { fuzzGuided, type GuidedRun, minimizeOnLane } from './guided-fuzz.ts';
import { GUIDED_LANES } from './guided-lane.ts';
import { shrinkBytes } from './shrink-bytes.ts';

/** Samples of the op's fast-check arbitrary given to the loop as seeds, so structure is reachable from the start. */
const ARBITRARY_SEEDS = 64;

/** Guided or blind, and why: said on the console and kept in results.json. */
export type FuzzMode = { mode: 'guided'; why: string; lanes: LaneId[]; meta: PluginMeta } | { mode: 'blind'; why: string };

/** Decides how a plugin is fuzzed: guided where it has a coverage build and a lane that can run one. */
export function fuzzModeOf(dir: string, lanes: readonly LaneId[], trusted: readonly TrustedKey[], noCoverage: boolean): FuzzMode {
  if (noCoverage) return { mode: 'blind', why: '`--no-coverage`' };
  const meta = readSignedPluginMeta(dir, trusted);
  if (meta.coverage === undefined) return { mode: 'blind', why: `no coverage build in \`${dir}\` (make one with \`plugbench build --coverage\`)` };
  const guided = lanes.filter((l) => (GUIDED_LANES as readonly string[]).includes(laneName(l)));
  if (guided.length === 0) return { mode: 'blind', why: `none of ${lanes.map(laneName).join(', ')} runs the guided loop (use ${GUIDED_LANES.join(' or ')})` };
  return { mode: 'guided', why: `coverage build (${meta.coverage.scope === 'crate' ? 'the plugin crate instrumented' : 'dependencies and std instrumented'})`, lanes: guided, meta };
}

export interface GuidedPhaseOptions {
  plugin: string;
  dir: string;
  mode: Extract<FuzzMode, { mode: 'guided' }>;
  /** The plain lanes: findings are shrunk and judged there, inputs that reached new coverage too. */
  context: JudgeContext;
  arbitrary: fc.Arbitrary<Uint8Array>;
  trusted: readonly TrustedKey[];
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
async function shrinkOnPlainLanes(context: JudgeContext, input: Uint8Array): Promise<{ input: Uint8Array; finding?: Finding; attempts: number }> {
  const finding = await judgeInput(context, input);
  if (finding === undefined || finding.kind === 'timeout') return { input, ...(finding ? { finding } : {}), attempts: 0 };
  const key = findingKey(finding);
  const shrunk = await shrinkBytes(input, async (candidate) => {
    const again = await judgeInput(context, candidate);
    return again !== undefined && findingKey(again) === key;
  });
  return { input: shrunk.input, finding: (await judgeInput(context, shrunk.input)) ?? finding, attempts: shrunk.attempts };
}

/**
 * The guided part of fuzzing one plugin/op: seeds (saved findings first, then the coverage
 * corpus and samples of the op's arbitrary), the loop on each guided lane at once, the
 * corpus additions saved and judged on the plain lanes, and the first finding shrunk, saved
 * and given a replay command.
 */
export async function runGuidedPhase(options: GuidedPhaseOptions): Promise<GuidedPhaseResult> {
  const { context, mode } = options;
  const name = mode.meta.name;
  const corpus = new CoverageCorpus(options.corpusDir, name, context.op);
  const saved = loadCorpus(name, context.op, options.corpusDir).map((e) => e.input);
  const seeds = [...saved, ...corpus.load(), ...fc.sample(options.arbitrary, { numRuns: ARBITRARY_SEEDS, seed: options.seed })];
  const dictionary = [...wordsOfBinary(readVerifiedArtifact(options.dir, mode.meta.artifacts.wasm ?? mode.meta.coverage!.wasm)), ...options.dictionary];
  // The lanes run at once; the first finding stops them all.
  let foundOnOne = false;
  const runs = await Promise.all(mode.lanes.map((lane, index) => fuzzGuided({
    dir: options.dir, lane, op: context.op, trusted: options.trusted, seeds, dictionary, seed: options.seed + index,
    timeMs: options.timeMs, ...(options.maxExecs !== undefined ? { maxExecs: options.maxExecs } : {}), deadlineMs: options.deadlineMs,
    stopped: () => foundOnOne,
    onFinding: () => (foundOnOne = true),
  })));
  const reached = runs.flatMap((r) => r.corpus);
  if (options.save) corpus.add(reached);
  const result: GuidedPhaseResult = { runs, corpusSize: corpus.load().length || reached.length };
  const found = runs.find((r) => r.finding !== undefined);
  // Every input that reached new coverage meets the other properties on the plain lanes too.
  let judged: { input: Uint8Array; finding: Finding } | undefined;
  if (found === undefined) {
    for (const input of reached) {
      const finding = await judgeInput(context, input);
      if (finding) {
        judged = { input, finding };
        break;
      }
    }
  }
  if (found === undefined && judged === undefined) return result;
  const raw = found ? found.finding!.input : judged!.input;
  const shrunk = await shrinkOnPlainLanes(context, raw);
  const finding: Finding = shrunk.finding ?? { property: 'robustness', lane: found!.lane, kind: found!.finding!.failure.kind, message: found!.finding!.failure.message };
  const where = found ? `found guided on ${found.lane} after ${found.finding!.afterExecs} executions (${(found.finding!.afterMs / 1000).toFixed(1)} s)` : 'an input that reached new coverage';
  const file = options.save ? saveToCorpus(name, context.op, shrunk.input, finding, { seed: options.seed, path: 'guided' }, options.corpusDir).file : '(not saved)';
  result.failure = {
    property: finding.property, plugin: options.plugin, op: context.op, lane: finding.lane,
    ...(finding.kind ? { kind: finding.kind as FuzzFailure['kind'] } : {}),
    message: `${finding.message} (seed ${options.seed}, ${where}, ${shrunk.attempts} shrink attempts, ${shrunk.input.length}-byte input)`,
    inputBase64: Buffer.from(shrunk.input).toString('base64'),
    replay: options.replayCommand(file),
  };
  return result;
}

/** `--minimize`: keeps the part of a plugin/op's coverage corpus that reaches all it reaches. */
export async function minimizeCoverageCorpus(dir: string, mode: Extract<FuzzMode, { mode: 'guided' }>, op: string, trusted: readonly TrustedKey[], corpusDir: string): Promise<{ before: number; after: number }> {
  const corpus = new CoverageCorpus(corpusDir, mode.meta.name, op);
  const inputs = corpus.load();
  if (inputs.length === 0) return { before: 0, after: 0 };
  const kept = await minimizeOnLane(dir, mode.lanes[0]!, op, trusted, inputs);
  corpus.replace(kept);
  return { before: inputs.length, after: kept.length };
}
