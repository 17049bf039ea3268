import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import fc from 'fast-check';
import { UsageError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { openLane } from '../isolation/open-lane.ts';
import type { Lane, LaneId } from '../lanes/lane.ts';
import { resolvePluginDir } from '../paths.ts';
import type { FuzzFailure, FuzzResults } from '../report/results.ts';
import { arbitraryFor } from './arbitraries.ts';
import { corpusDir as defaultCorpusDir, loadCorpus, saveToCorpus } from './corpus.ts';
import { type ExecStats, type Finding, judgeInput, type JudgeContext } from './judge.ts';
import { LEAK_BOUND_BYTES_PER_CALL, memorySlopePerCall } from './leak.ts';
import { checkSequences } from './stateful.ts';
import { fuzzTargetOf } from './targets.ts';
import type { Boundary } from '../lanes/instance.ts';

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
  /** Generated inputs per plugin/op pair (corpus replays come on top). */
  runs?: number;
  seed: number;
  /** Replay exactly this input file instead of generating. */
  replayFile?: string;
  /** Deadline per call on lanes that enforce one, so hangs end as findings. @default 2000 */
  deadlineMs?: number;
  /** @default fixtures/corpus */
  corpusDir?: string;
  /** Save failures to the corpus. @default true */
  save?: boolean;
  /** Runs of init/call/shutdown sequences compared across boundaries, per plugin; 0 skips. @default 30 */
  sequenceRuns?: number;
  progress?: (line: string) => void;
}

const PROPERTY_SUMMARY = (context: JudgeContext) =>
  ['robustness', 'error-model', ...(context.lanes.length > 1 ? ['differential'] : []), ...(context.target.oracle ? ['oracle'] : []), ...(context.deterministic ? ['determinism'] : []), ...(context.target.inverse ? ['round-trip'] : []), ...(context.lanes.some((l) => l.id.boundary !== 'native') ? ['no-leak'] : [])].join('+');

/** The one line that reproduces a saved failure. */
export function replayCommand(plugin: string, op: string, lanes: readonly Lane[], file: string): string {
  return `npx plugbench fuzz --plugin ${plugin} --op ${op} --lane ${lanes.map((l) => l.name).join(',')} --replay ${relative(process.cwd(), file) || file}`;
}

/**
 * Fuzzes each op of each plugin across the lanes with fast-check: the corpus is replayed
 * first, then generated inputs; a failure is shrunk, saved to the corpus, and reported with
 * seed, path and a replay command. The harness never throws for what a plugin does.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResults> {
  const results: FuzzResults = { seed: options.seed, runs: 0, properties: [], failures: [] };
  const dirs = options.plugins.map((p) => ({ name: p, dir: resolvePluginDir(p) }));
  const opened: Array<{ name: string; lanes: Lane[] }> = [];
  for (const { name, dir } of dirs) opened.push({ name, lanes: await Promise.all(options.lanes.map((id) => openLane(dir, id, { trusted: options.trusted, ...(options.policy ? { policy: options.policy } : {}) }))) });
  try {
    const pairs = opened.flatMap(({ name, lanes }) => lanes[0]!.manifest.ops.filter((op) => !options.ops || options.ops.includes(op.name)).map((op) => ({ name, lanes, op })));
    if (pairs.length === 0) throw new UsageError(`no op to fuzz: ${options.ops ? `none of ${options.ops.join(', ')} is an op of ${options.plugins.join(', ')}` : 'the plugins declare no ops'}`);
    // The budget covers everything: what is left is shared by the pairs still to run, after a
    // reserve for the leak checks (measured in the loop) and the sequence checks at the end.
    const endAt = options.timeMs === undefined ? undefined : performance.now() + options.timeMs;
    const sequenceReserveMs = opened.length * 1500;
    let leakCheckMs = 0;
    for (const [index, { name, lanes, op }] of pairs.entries()) {
      const remainingPairs = pairs.length - index;
      const perPairMs = endAt === undefined ? undefined : Math.max(200, (endAt - performance.now() - sequenceReserveMs) / remainingPairs - leakCheckMs / Math.max(1, index));
      const stats: ExecStats = new Map();
      const context: JudgeContext = { lanes, op: op.name, deterministic: op.deterministic === true, target: fuzzTargetOf(lanes[0]!.manifest.name, op.name), deadlineMs: options.deadlineMs ?? 2000, stats };
      const corpus = loadCorpus(lanes[0]!.manifest.name, op.name, options.corpusDir ?? defaultCorpusDir);
      let last: Finding | undefined;
      // A replay runs the one saved input: the generator is a constant, so nothing else is tried.
      const arbitrary = options.replayFile ? fc.constant(new Uint8Array(readFileSync(options.replayFile))) : (context.target.input ?? arbitraryFor(op.input));
      const property = fc.asyncProperty(arbitrary, async (input) => {
        last = await judgeInput(context, input);
        return last === undefined;
      });
      const details = await fc.check(property, {
        seed: options.seed,
        numRuns: options.replayFile ? 1 : (options.runs ?? (perPairMs === undefined ? 1000 : 1_000_000)),
        examples: options.replayFile ? [] : corpus.map((e) => [e.input] as [Uint8Array]),
        ...(perPairMs !== undefined && !options.replayFile ? { interruptAfterTimeLimit: perPairMs } : {}),
      });
      results.runs += details.numRuns;
      const execsPerSecByLane = Object.fromEntries([...stats].map(([lane, s]) => [lane, Math.round(s.calls / (s.ns / 1e9))]));
      results.properties.push({ property: PROPERTY_SUMMARY(context), plugin: name, op: op.name, runs: details.numRuns, status: details.failed ? 'fail' : 'pass', execsPerSecByLane });
      options.progress?.(`${name} ${op.name}: ${details.numRuns} runs, ${details.failed ? 'FAILED' : 'ok'}; ${Object.entries(execsPerSecByLane).map(([l, n]) => `${l} ${n}/s`).join(', ')}`);
      const leakStart = performance.now();
      if (!details.failed && !options.replayFile) {
        const inputs = fc.sample(context.target.input ?? arbitraryFor(op.input), { numRuns: 32, seed: options.seed });
        for (const lane of lanes) {
          const slope = await memorySlopePerCall(lane, op.name, inputs, 1500);
          if (slope === undefined || slope <= LEAK_BOUND_BYTES_PER_CALL) continue;
          results.properties.at(-1)!.status = 'fail';
          results.failures.push({ property: 'no-leak', plugin: name, op: op.name, lane: lane.name, message: `linear memory grew ${slope.toFixed(1)} bytes per call over 1500 calls after warm-up (bound ${LEAK_BOUND_BYTES_PER_CALL})`, inputBase64: '', replay: `npx plugbench fuzz --plugin ${name} --op ${op.name} --lane ${lane.name} --seed ${options.seed}` });
        }
      }
      leakCheckMs += performance.now() - leakStart;
      if (!details.failed || !details.counterexample) continue;
      const input = details.counterexample[0];
      const finding = (await judgeInput(context, input)) ?? last ?? { property: 'robustness', lane: lanes[0]!.name, message: String(details.errorInstance ?? 'failed') };
      const path = details.counterexamplePath ?? '';
      const saved = options.save === false || options.replayFile ? { file: options.replayFile ?? '(not saved)', isNew: false } : saveToCorpus(lanes[0]!.manifest.name, op.name, input, finding, { seed: details.seed, path }, options.corpusDir ?? defaultCorpusDir);
      const failure: FuzzFailure = {
        property: finding.property, plugin: name, op: op.name, lane: finding.lane, ...(finding.kind ? { kind: finding.kind as FuzzFailure['kind'] } : {}),
        message: `${finding.message} (seed ${details.seed}, path ${path || 'corpus'}, ${details.numShrinks} shrinks, ${input.length}-byte input)`,
        inputBase64: Buffer.from(input).toString('base64'),
        replay: replayCommand(name, op.name, lanes, saved.file),
      };
      results.failures.push(failure);
    }
    const sequenceRuns = options.replayFile ? 0 : (options.sequenceRuns ?? 30);
    for (const { name, lanes } of sequenceRuns > 0 ? opened : []) {
      // In the harness's thread, so only where a fault cannot take it down: wasm always, native when asked for in-process.
      const boundaries: Boundary[] = ['wasm-core', 'wasm-component', ...(options.lanes.some((l) => l.boundary === 'native' && l.isolation === 'inproc') ? (['native'] as const) : [])];
      const disagreement = await checkSequences(resolvePluginDir(name), lanes[0]!.manifest, boundaries, options.trusted, { runs: sequenceRuns, seed: options.seed, ...(options.policy ? { policy: options.policy } : {}) });
      results.properties.push({ property: 'stateful', plugin: name, op: '(sequences)', runs: sequenceRuns, status: disagreement ? 'fail' : 'pass', execsPerSecByLane: {} });
      options.progress?.(`${name} init/call/shutdown sequences on ${boundaries.join(', ')}: ${disagreement ? 'DISAGREE' : 'agree'}`);
      if (disagreement) results.failures.push({ property: 'stateful', plugin: name, op: '(sequences)', lane: boundaries.map((b) => `${b}@inproc`).join(','), message: disagreement, inputBase64: '', replay: `npx plugbench fuzz --plugin ${name} --seed ${options.seed}` });
    }
  } finally {
    for (const { lanes } of opened) await Promise.all(lanes.map((l) => l.close()));
  }
  return results;
}
