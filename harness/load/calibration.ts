import { POISONING_KINDS } from '../contract/errors.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import type { Clock } from '../measure/clock.ts';
import type { CallTarget } from './target.ts';

/** Calls timed to choose per-call or batched timing, at most. */
export const CALIBRATION_CALLS = CONTRACT_TIMING.calibrationCalls;
/**
 * Time spent calibrating, at most, in ns. A call too slow to fit many in it is timed on its
 * own anyway, and CALIBRATION_CALLS calls of an op that takes seconds would take minutes (the
 * Go host's calibration keeps to it too).
 */
export const CALIBRATION_BUDGET_NS = CONTRACT_TIMING.calibrationBudgetNs;

/** Median time of a few calls on a sync target, to choose per-call or batched timing; infinite on others. */
export async function typicalCallNs(
  target: CallTarget,
  op: string,
  next: () => Uint8Array,
  clock: Clock,
): Promise<number> {
  if (!target.sync) return Number.POSITIVE_INFINITY;
  const times: number[] = [];
  const startNs = clock.nowNs();
  while (times.length < CALIBRATION_CALLS && (times.length === 0 || clock.nowNs() - startNs < CALIBRATION_BUDGET_NS)) {
    const input = next();
    const start = clock.nowNs();
    const outcome = target.call(op, input);
    times.push(clock.nowNs() - start);
    // A panic or trap poisons the instance: the next call needs a fresh one.
    if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind)) await target.recycle(outcome);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
