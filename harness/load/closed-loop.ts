import { POISONING_KINDS } from '../contract/errors.ts';
import type { Clock } from '../measure/clock.ts';
import type { LaneRecording } from '../measure/recording.ts';
import { type RunBound } from '../isolations/host-load-lane.ts';
import { boundReached, type LoopHooks, TICK_EVERY_MS } from './model.ts';
import type { CallTarget } from './target.ts';

export interface ClosedLoopOptions extends LoopHooks {
  bound: RunBound;
  clock: Clock;
  /** Calls timed together on a sync target (see `batchSizeFor`). @default 1 */
  batchSize?: number;
  /** Calls per crossing on a worker or process target, each still timed inside. @default 1 */
  crossingBatch?: number;
}

export interface ClosedLoopReport {
  elapsedNs: number;
  throughputPerSec: number;
}

/**
 * A fixed concurrency: one caller per target, each waiting for its answer before the next
 * call. Latency runs from each call's actual start, so a stall delays the callers instead of
 * showing in the figures (coordinated omission): the results say so and keep no corrected
 * histogram.
 */
export async function closedLoop(
  targets: readonly CallTarget[],
  op: string,
  nextInput: () => Uint8Array,
  options: ClosedLoopOptions,
  recording: LaneRecording,
): Promise<ClosedLoopReport> {
  const { clock, bound } = options;
  const batchSize = options.batchSize ?? 1;
  const t0 = clock.nowNs();
  const tickEveryNs = (options.tickEveryMs ?? TICK_EVERY_MS) * 1e6;
  const tickEveryCalls = options.tickEveryCalls ?? Number.POSITIVE_INFINITY;
  let nextTickNs = t0 + tickEveryNs;
  let nextTickCalls = tickEveryCalls;
  let issued = 0;
  const done = (nowNs: number) => boundReached(bound, nowNs - t0, issued) || options.signal?.aborted === true;
  // Checked without awaiting, so a sync caller pays no promise per call.
  const tickDue = (nowNs: number) =>
    options.tick !== undefined && (recording.calls >= nextTickCalls || nowNs >= nextTickNs);
  const tick = () => {
    nextTickNs = clock.nowNs() + tickEveryNs;
    nextTickCalls = recording.calls + tickEveryCalls;
    return options.tick!(recording.calls);
  };
  // A timed batch ends where a tick by calls is due, so a short run still gets its samples.
  const untilTick = () =>
    options.tick === undefined ? Number.POSITIVE_INFINITY : Math.max(1, nextTickCalls - recording.calls);

  const caller = async (target: CallTarget) => {
    // The clock read that ends one call's timing also decides whether to go on: one read fewer per call.
    let nowNs = clock.nowNs();
    while (!done(nowNs)) {
      if (tickDue(nowNs)) await tick();
      if (target.sync) {
        const input = nextInput();
        const n = Math.min(batchSize, untilTick(), 'calls' in bound ? bound.calls - issued : batchSize);
        issued += n;
        const startNs = clock.nowNs();
        for (let i = 0; i < n; i++) {
          const outcome = target.call(op, input);
          if (!outcome.ok) {
            recording.recordOutcome(outcome);
            if (POISONING_KINDS.has(outcome.failure.kind)) await target.recycle(outcome);
          } else recording.calls++;
        }
        nowNs = clock.nowNs();
        recording.latency.recordNsTimes((nowNs - startNs) / n, n);
        continue;
      }
      if (target.batch && (options.crossingBatch ?? 1) > 1) {
        const n = 'calls' in bound ? Math.min(options.crossingBatch!, bound.calls - issued) : options.crossingBatch!;
        issued += n;
        const result = await target.batch(op, nextInput(), n);
        for (const ns of result.innerNs) {
          recording.latency.recordNs(ns);
          recording.inner.recordNs(ns);
        }
        recording.calls += result.innerNs.length;
        for (const failure of result.failures) recording.recordFailure(failure);
      } else {
        issued++;
        const input = nextInput();
        const startNs = clock.nowNs();
        const { outcome, innerNs } = await target.call(op, input);
        recording.latency.recordNs(clock.nowNs() - startNs);
        recording.inner.recordNs(innerNs);
        recording.recordOutcome(outcome);
      }
      nowNs = clock.nowNs();
    }
  };
  await Promise.all(targets.map(caller));
  const elapsedNs = clock.nowNs() - t0;
  return { elapsedNs, throughputPerSec: recording.calls / (elapsedNs / 1e9) };
}
