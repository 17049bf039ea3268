import type { CallFailure } from '../../contract/errors.ts';
import type { TrustedKey } from '../../contract/keys.ts';
import { type LaneOptions } from '../../isolations/isolation.ts';
import type { LaneId } from '../../isolations/lane.ts';
import { GuidedLane } from './guided-lane.ts';

/** How long the loop runs between two reports to the supervisor, in ms. */
export const SLICE_MS = 100;
/** Longest input the loop makes by default, in bytes: libFuzzer's default. */
export const DEFAULT_MAX_INPUT_BYTES = 4096;

/** Where a guided run opens its own lane. */
export interface GuidedFuzzOptions extends GuidedRunOptions {
  dir: string;
  lane: LaneId;
  trusted: readonly TrustedKey[];
}

/** One guided run of one op on a lane already open. */
export interface GuidedRunOptions {
  op: string;
  /** Inputs run first: saved findings, the coverage corpus, samples of the op's arbitrary. */
  seeds: readonly Uint8Array[];
  dictionary: readonly Uint8Array[];
  seed: number;
  /** Budget in ms. */
  timeMs: number;
  /** Stop after about this many executions. @default no limit */
  maxExecs?: number;
  /** Deadline of each execution, in ms. */
  deadlineMs: number;
  /** @default DEFAULT_MAX_INPUT_BYTES */
  maxInputBytes?: number;
  /** Checked between slices: another lane's finding ends this run too. @default never */
  stopped?: () => boolean;
  /** Told at once when this run finds something. @default nobody */
  onFinding?: () => void;
}

/** What a guided run on one lane gave. */
export interface GuidedRun {
  lane: string;
  execs: number;
  durationMs: number;
  edgesSeen: number;
  edgesTotal: number;
  /** Inputs that reached new coverage, seeds that did included. */
  corpus: Uint8Array[];
  finding?: { input: Uint8Array; failure: CallFailure; afterMs: number; afterExecs: number };
  /** Edges seen after each slice, for the report's plot. */
  edgesOverTime: Array<{ tMs: number; edges: number }>;
  /** Times the worker or child was replaced (a hung or crashing execution). */
  restarts: number;
}

/**
 * Runs the coverage-guided loop for one op on one lane for the budget: the loop lives in the worker or
 * child; this side only collects corpus additions, counts and the first finding, restarts a
 * session the lane lost to a recycle (with the corpus so far), and stops at the first finding.
 */
export async function fuzzGuidedOn(lane: GuidedLane, options: GuidedRunOptions): Promise<GuidedRun> {
  const run: GuidedRun = {
    lane: lane.name,
    execs: 0,
    durationMs: 0,
    edgesSeen: 0,
    edgesTotal: 0,
    corpus: [],
    edgesOverTime: [],
    restarts: 0,
  };
  const started = performance.now();
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  // A restarted session gets a seed of its own, so it does not retrace the inputs before the recycle.
  const begin = (seeds: readonly Uint8Array[]) =>
    lane.begin(
      {
        op: options.op,
        seeds: [...seeds],
        dictionary: [...options.dictionary],
        seed: options.seed + run.restarts,
        maxInputBytes,
      },
      options.deadlineMs,
    );
  try {
    let answer = await begin(options.seeds);
    for (;;) {
      const elapsedMs = performance.now() - started;
      if (answer.type === 'no-session') {
        run.restarts++;
        answer = await begin([...options.seeds, ...run.corpus]);
        continue;
      }
      if (answer.type === 'ended') {
        run.finding = { input: answer.input, failure: answer.failure, afterMs: elapsedMs, afterExecs: run.execs };
        options.onFinding?.();
        break;
      }
      const { result } = answer;
      run.execs += result.execs;
      run.corpus.push(...result.added);
      run.edgesSeen = Math.max(run.edgesSeen, result.edgesSeen);
      run.edgesTotal = result.edgesTotal;
      run.edgesOverTime.push({ tMs: Math.round(elapsedMs), edges: run.edgesSeen });
      if (result.finding) {
        run.finding = { ...result.finding, afterMs: elapsedMs, afterExecs: run.execs };
        options.onFinding?.();
        break;
      }
      if (elapsedMs >= options.timeMs || run.execs >= (options.maxExecs ?? Infinity) || options.stopped?.()) break;
      answer = await lane.slice(Math.min(SLICE_MS, options.timeMs - elapsedMs), options.deadlineMs);
    }
  } finally {
    run.durationMs = performance.now() - started;
  }
  return run;
}

/** A guided run on a lane of its own, closed after it. */
export async function fuzzGuided(options: GuidedFuzzOptions): Promise<GuidedRun> {
  const lane = await GuidedLane.openGuided(options.dir, options.lane, { trusted: options.trusted });
  try {
    return await fuzzGuidedOn(lane, options);
  } finally {
    await lane.close();
  }
}

/** Keeps the part of a corpus that reaches all it reaches, by running it on a coverage lane. */
export async function minimizeOnLane(
  dir: string,
  lane: LaneId,
  op: string,
  load: LaneOptions,
  inputs: Uint8Array[],
): Promise<Uint8Array[]> {
  const guided = await GuidedLane.openGuided(dir, lane, load);
  try {
    return (await guided.minimize(op, inputs)).map((i) => inputs[i]!);
  } finally {
    await guided.close();
  }
}
