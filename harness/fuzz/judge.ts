import { type CallOutcome, ERROR_CODES, MAX_MESSAGE_BYTES } from '../contract/errors.ts';
import type { Lane } from '../isolations/lane.ts';
import type { FuzzTarget } from './targets.ts';

/** The properties every fuzzed op is held to. */
export const PROPERTIES = ['robustness', 'error-model', 'differential', 'oracle', 'determinism', 'round-trip'] as const;
export type Property = (typeof PROPERTIES)[number];

/** One input that broke a property on a lane. */
export interface Finding {
  property: Property;
  lane: string;
  kind?: string;
  message: string;
}

/** Calls per lane and the time they took, for executions per second. */
export type ExecStats = Map<string, { calls: number; ns: number }>;

export interface JudgeContext {
  lanes: readonly Lane[];
  op: string;
  deterministic: boolean;
  target: FuzzTarget;
  deadlineMs?: number;
  stats: ExecStats;
  /** True once fast-check has given up on the input being judged (its time ran out): no further call is made. */
  abandoned?: () => boolean;
}

/** Thrown by a judgement that was abandoned, so that its calls stop and its lanes are free again. */
export class JudgementAbandoned extends Error {}

/** An outcome in one line: the first bytes of an output, or the failure's kind, code and message. */
export const showOutcome = (o: CallOutcome) =>
  o.ok
    ? `ok (${o.output.length} bytes: ` +
      `${Buffer.from(o.output.subarray(0, 16)).toString('hex')}${o.output.length > 16 ? '…' : ''})`
    : `${o.failure.kind}${o.failure.kind === 'plugin' ? ` ${o.failure.code}` : ''}: ${o.failure.message}`;
/** Both ok, or failures of the same kind (and code, for a plugin's own error). */
const sameKind = (a: CallOutcome, b: CallOutcome) =>
  a.ok
    ? b.ok
    : !b.ok &&
      a.failure.kind === b.failure.kind &&
      (a.failure.kind !== 'plugin' || (b.failure.kind === 'plugin' && a.failure.code === b.failure.code));
/** The same bytes, or failures of the same kind (and code, for a plugin's own error). */
export const sameOutcome = (a: CallOutcome, b: CallOutcome) =>
  sameKind(a, b) && (!a.ok || !b.ok || Buffer.compare(a.output, b.output) === 0);

/** Failures that come from a limit (quota, deadline, stack depth) rather than from the plugin's logic. */
export const fromLimit = (o: CallOutcome) =>
  !o.ok &&
  (o.failure.kind === 'resource-exhausted' ||
    o.failure.kind === 'timeout' ||
    (o.failure.kind === 'trap' && /stack|call stack/i.test(o.failure.message)));

async function call(context: JudgeContext, lane: Lane, op: string, input: Uint8Array): Promise<CallOutcome> {
  if (context.abandoned?.()) throw new JudgementAbandoned('the time for this input ran out');
  const started = process.hrtime.bigint();
  const { outcome } = await lane.call(
    op,
    input,
    lane.deadline.enforced && context.deadlineMs !== undefined ? { deadlineMs: context.deadlineMs } : {},
  );
  const stats = context.stats.get(lane.name) ?? { calls: 0, ns: 0 };
  stats.calls++;
  stats.ns += Number(process.hrtime.bigint() - started);
  context.stats.set(lane.name, stats);
  return outcome;
}

/**
 * Runs one input through every lane and holds the outcomes to the properties; returns the
 * first finding, or undefined. Differences that come only from a limit are not divergences.
 */
export async function judgeInput(context: JudgeContext, input: Uint8Array): Promise<Finding | undefined> {
  const outcomes: CallOutcome[] = [];
  for (const lane of context.lanes) outcomes.push(await call(context, lane, context.op, input));
  return (
    errorModelFinding(context, outcomes) ??
    differentialFinding(context, outcomes) ??
    oracleFinding(context, input, outcomes[0]!) ??
    (await determinismFinding(context, input, outcomes[0]!)) ??
    (await roundTripFinding(context, input, outcomes))
  );
}

/** Robustness and the error model: only the plugin's own errors, with a known code and a bounded message. */
function errorModelFinding(context: JudgeContext, outcomes: readonly CallOutcome[]): Finding | undefined {
  for (const [i, outcome] of outcomes.entries()) {
    const lane = context.lanes[i]!.name;
    if (outcome.ok) continue;
    if (outcome.failure.kind !== 'plugin')
      return { property: 'robustness', lane, kind: outcome.failure.kind, message: outcome.failure.message };
    if (!(ERROR_CODES as readonly string[]).includes(outcome.failure.code))
      return { property: 'error-model', lane, message: `unknown failure ${showOutcome(outcome)}` };
    const bytes = Buffer.byteLength(outcome.failure.message);
    if (bytes > MAX_MESSAGE_BYTES + 64)
      return { property: 'error-model', lane, message: `error message of ${bytes} bytes` };
    if (/ bytes, truncated\)$/.test(outcome.failure.message))
      return { property: 'error-model', lane, message: `error message past ${MAX_MESSAGE_BYTES} bytes` };
  }
  return undefined;
}

/** Every lane answers as the first does. */
function differentialFinding(context: JudgeContext, outcomes: readonly CallOutcome[]): Finding | undefined {
  const first = outcomes[0]!;
  // An op that is not deterministic may keep state, and the lanes' states part ways (the leak
  // check calls the wasm lanes only, a recycle starts one afresh): only the kinds compare.
  const alike = context.deterministic ? sameOutcome : sameKind;
  for (const [i, outcome] of outcomes.entries()) {
    if (i === 0 || alike(first, outcome) || fromLimit(first) || fromLimit(outcome)) continue;
    const [firstLane, lane] = [context.lanes[0]!.name, context.lanes[i]!.name];
    return {
      property: 'differential',
      lane,
      message: `${firstLane} gave ${showOutcome(first)}; ${lane} gave ${showOutcome(outcome)}`,
    };
  }
  return undefined;
}

/** The first lane's output is what the target's oracle computes. */
function oracleFinding(context: JudgeContext, input: Uint8Array, first: CallOutcome): Finding | undefined {
  if (!context.target.oracle || !first.ok) return undefined;
  const expected = context.target.oracle(input);
  if (Buffer.compare(first.output, expected) === 0) return undefined;
  const message = `expected ${Buffer.from(expected).toString('hex')}, got ${showOutcome(first)}`;
  return { property: 'oracle', lane: context.lanes[0]!.name, message };
}

/** A deterministic op answers the same input the same way twice. */
async function determinismFinding(
  context: JudgeContext,
  input: Uint8Array,
  first: CallOutcome,
): Promise<Finding | undefined> {
  if (!context.deterministic) return undefined;
  const lane = context.lanes[0]!;
  const again = await call(context, lane, context.op, input);
  if (sameOutcome(first, again) || fromLimit(again)) return undefined;
  return {
    property: 'determinism',
    lane: lane.name,
    message: `first ${showOutcome(first)}; then ${showOutcome(again)}`,
  };
}

/** The target's inverse op gives the input back from each lane's output. */
async function roundTripFinding(
  context: JudgeContext,
  input: Uint8Array,
  outcomes: readonly CallOutcome[],
): Promise<Finding | undefined> {
  const inverse = context.target.inverse;
  if (!inverse || !outcomes[0]!.ok) return undefined;
  for (const [i, outcome] of outcomes.entries()) {
    if (!outcome.ok) continue;
    const back = await call(context, context.lanes[i]!, inverse, outcome.output);
    if (!back.ok || Buffer.compare(back.output, input) !== 0)
      return {
        property: 'round-trip',
        lane: context.lanes[i]!.name,
        ...(back.ok ? {} : { kind: back.failure.kind }),
        message: `${inverse}(${context.op}(x)) gave ${showOutcome(back)}, not x`,
      };
  }
  return undefined;
}

/** Identity of a finding for de-duplication: property, lane, kind and panic location. */
export function findingKey(finding: Finding): string {
  const location = /panicked at ([^ ]+:\d+:\d+)/.exec(finding.message)?.[1] ?? '';
  return [finding.property, finding.lane, finding.kind ?? '', location || finding.message.slice(0, 80)].join('|');
}
