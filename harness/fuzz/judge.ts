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
  for (const [i, outcome] of outcomes.entries()) {
    const lane = context.lanes[i]!.name;
    if (!outcome.ok && outcome.failure.kind !== 'plugin')
      return { property: 'robustness', lane, kind: outcome.failure.kind, message: outcome.failure.message };
    if (!outcome.ok && outcome.failure.kind === 'plugin') {
      if (!(ERROR_CODES as readonly string[]).includes(outcome.failure.code))
        return { property: 'error-model', lane, message: `unknown failure ${showOutcome(outcome)}` };
      if (Buffer.byteLength(outcome.failure.message) > MAX_MESSAGE_BYTES + 64)
        return {
          property: 'error-model',
          lane,
          message: `error message of ${Buffer.byteLength(outcome.failure.message)} bytes`,
        };
      if (/ bytes, truncated\)$/.test(outcome.failure.message))
        return { property: 'error-model', lane, message: `error message past ${MAX_MESSAGE_BYTES} bytes` };
    }
  }
  const first = outcomes[0]!;
  // An op that is not deterministic may keep state, and the lanes' states part ways (the leak
  // check calls the wasm lanes only, a recycle starts one afresh): only the kinds compare.
  const alike = context.deterministic ? sameOutcome : sameKind;
  for (const [i, outcome] of outcomes.entries()) {
    if (i === 0 || alike(first, outcome) || fromLimit(first) || fromLimit(outcome)) continue;
    return {
      property: 'differential',
      lane: context.lanes[i]!.name,
      message:
        `${context.lanes[0]!.name} gave ${showOutcome(first)}; ${context.lanes[i]!.name} gave ` +
        `${showOutcome(outcome)}`,
    };
  }
  const lane = context.lanes[0]!;
  if (context.target.oracle && first.ok) {
    const expected = context.target.oracle(input);
    if (Buffer.compare(first.output, expected) !== 0)
      return {
        property: 'oracle',
        lane: lane.name,
        message: `expected ${Buffer.from(expected).toString('hex')}, got ${showOutcome(first)}`,
      };
  }
  if (context.deterministic) {
    const again = await call(context, lane, context.op, input);
    if (!sameOutcome(first, again) && !fromLimit(again))
      return {
        property: 'determinism',
        lane: lane.name,
        message: `first ${showOutcome(first)}; then ${showOutcome(again)}`,
      };
  }
  if (context.target.inverse && first.ok) {
    for (const [i, outcome] of outcomes.entries()) {
      if (!outcome.ok) continue;
      const back = await call(context, context.lanes[i]!, context.target.inverse, outcome.output);
      if (!back.ok || Buffer.compare(back.output, input) !== 0)
        return {
          property: 'round-trip',
          lane: context.lanes[i]!.name,
          ...(back.ok ? {} : { kind: back.failure.kind }),
          message: `${context.target.inverse}(${context.op}(x)) gave ${showOutcome(back)}, not x`,
        };
    }
  }
  return undefined;
}

/** Identity of a finding for de-duplication: property, lane, kind and panic location. */
export function findingKey(finding: Finding): string {
  const location = /panicked at ([^ ]+:\d+:\d+)/.exec(finding.message)?.[1] ?? '';
  return [finding.property, finding.lane, finding.kind ?? '', location || finding.message.slice(0, 80)].join('|');
}
