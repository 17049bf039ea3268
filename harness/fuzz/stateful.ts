import fc from 'fast-check';
import type { OpSpec } from '../contract/manifest.ts';
import type { CallOptions, LaneCall, SequencingLane } from '../isolations/lane.ts';
import { arbitraryFor } from './arbitraries.ts';
import { fromLimit, sameOutcome, showOutcome } from './judge.ts';

/** A sequence the boundaries answered differently: the shrunk steps, and what each lane answered at the last one. */
export interface SequenceFinding {
  /** The steps run, the one they disagreed on last. */
  steps: string[];
  answers: Array<{ lane: string; answer: string }>;
  seed: number;
  path: string;
  shrinks: number;
}

export interface SequenceOptions {
  runs: number;
  seed: number;
  /** Deadline of every step (init, call, shutdown, the reset between sequences), in ms. */
  deadlineMs: number;
  /** No step starts after this `performance.now()`; what is left of the sequences is not run. */
  endAt?: number;
}

export interface SequenceReport {
  finding?: SequenceFinding;
  /** Sequences run to their end or to a disagreement. */
  runs: number;
  /** Sequences cut short because a step hit a limit (deadline, quota) on some lane. */
  limited: number;
}

/** One lane per boundary, driven by the same commands. */
interface Real {
  lanes: readonly SequencingLane[];
  options: SequenceOptions;
  steps: string[];
  /** Why the sequence stopped being judged, if it did. */
  stopped?: 'disagree' | 'limit' | 'time';
  answers?: SequenceFinding['answers'];
}

const INPUT_SHOWN_CHARS = 48;

/**
 * Runs one step on every lane at once and stops the sequence at a disagreement. Past a limit
 * the lanes' states part ways (one was replaced, the others not), so nothing after it is
 * comparable: the sequence ends there without a verdict.
 */
type Step = (lane: SequencingLane, options: CallOptions) => Promise<LaneCall>;

async function step(real: Real, label: string, run: Step): Promise<void> {
  if (real.stopped) return;
  if (real.options.endAt !== undefined && performance.now() > real.options.endAt) {
    real.stopped = 'time';
    return;
  }
  real.steps.push(label);
  const calls = await Promise.all(real.lanes.map((lane) => run(lane, { deadlineMs: real.options.deadlineMs })));
  const outcomes = calls.map((c) => c.outcome);
  if (outcomes.some(fromLimit)) {
    real.stopped = 'limit';
    return;
  }
  if (outcomes.every((o) => sameOutcome(outcomes[0]!, o))) return;
  real.stopped = 'disagree';
  real.answers = real.lanes.map((lane, i) => ({ lane: lane.name, answer: showOutcome(outcomes[i]!) }));
}

class Init implements fc.AsyncCommand<object, Real> {
  constructor(readonly config: string) {}
  check = () => true;
  run = (_: object, real: Real) => step(real, this.toString(), (lane, options) => lane.init(this.config, options));
  toString = () => `init(${this.config})`;
}

class Call implements fc.AsyncCommand<object, Real> {
  constructor(
    readonly op: string,
    readonly input: Uint8Array,
  ) {}
  check = () => true;
  run = (_: object, real: Real) => step(real, this.toString(), (lane, o) => lane.call(this.op, this.input, o));
  toString = () => {
    const base64 = Buffer.from(this.input).toString('base64');
    const shown = base64.length > INPUT_SHOWN_CHARS ? `${base64.slice(0, INPUT_SHOWN_CHARS)}…` : base64;
    return `call(${this.op}, ${this.input.length} B: ${shown})`;
  };
}

class Shutdown implements fc.AsyncCommand<object, Real> {
  check = () => true;
  run = (_: object, real: Real) => step(real, this.toString(), (lane, options) => lane.shutdown(options));
  toString = () => 'shutdown()';
}

/**
 * Sequences of init / call / shutdown on one lane per boundary, each where a deadline stops
 * every step and a crash stays out (see `sequenceLaneOf`): every boundary must answer every
 * step alike (the same bytes, or the same kind and code). A poisoned instance is recycled and
 * initialised again, as on every lane. Returns the shrunk sequence they disagreed on, if any;
 * an error of the harness itself is thrown, never reported as a disagreement.
 */
export async function checkSequences(
  lanes: readonly SequencingLane[],
  ops: readonly OpSpec[],
  options: SequenceOptions,
): Promise<SequenceReport> {
  const commands = [
    fc.constantFrom('{}', '{"mode":"strict"}', 'not json').map((c) => new Init(c)),
    ...ops.map((op) => arbitraryFor(op.input).map((input) => new Call(op.name, input))),
    fc.constant(new Shutdown()),
  ];
  const report: SequenceReport = { runs: 0, limited: 0 };
  let failing: Pick<SequenceFinding, 'steps' | 'answers'> | undefined;
  let harnessError: { error: unknown } | undefined;
  const property = fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (sequence) => {
    if (harnessError || (options.endAt !== undefined && performance.now() > options.endAt)) return true;
    try {
      // A reset that outlives its deadline leaves a fresh worker or child all the same.
      await Promise.all(lanes.map((lane) => lane.reset({ deadlineMs: options.deadlineMs })));
      const real: Real = { lanes, options, steps: [] };
      await fc.asyncModelRun(() => ({ model: {}, real }), sequence);
      if (real.stopped === 'time') return true;
      report.runs++;
      if (real.stopped === 'limit') report.limited++;
      if (real.stopped !== 'disagree') return true;
      // The last sequence that fails is the one fast-check reports, shrunk.
      failing = { steps: real.steps, answers: real.answers! };
      return false;
    } catch (error) {
      // Not shrunk, and no later sequence runs: it is thrown once the check ends.
      harnessError = { error };
      return true;
    }
  });
  const details = await fc.check(property, { numRuns: options.runs, seed: options.seed });
  if (harnessError) throw harnessError.error;
  if (!details.failed) return report;
  if (!failing) throw new Error(`harness bug: sequences failed with no disagreement: ${String(details.errorInstance)}`);
  const replay = { seed: details.seed, path: details.counterexamplePath ?? '', shrinks: details.numShrinks };
  return { ...report, finding: { ...failing, ...replay } };
}
