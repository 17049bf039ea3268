import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { POISONING_KINDS } from '../contract/errors.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import type { Clock } from '../measure/clock.ts';
import { LatencyHistogram, type LatencySummary } from '../measure/latency.ts';
import type { LaneRecording } from '../measure/recording.ts';
import { type RunBound } from '../isolations/host-load-lane.ts';
import { boundReached, type LoopHooks, TICK_EVERY_MS } from './model.ts';
import type { CallTarget } from './target.ts';

export interface OpenLoopOptions extends LoopHooks {
  ratePerSec: number;
  bound: RunBound;
  clock: Clock;
  /** Calls in flight beyond which new ones are dropped (and counted), not queued. @default MAX_IN_FLIGHT */
  maxInFlight?: number;
}

export interface OpenLoopReport {
  /** Calls issued per second of wall time, warm-up excluded. */
  achievedRatePerSec: number;
  /** How late each call started against its schedule: the harness's own jitter. */
  scheduleJitter: LatencySummary;
  elapsedNs: number;
}

/** Longer waits than this sleep on a timer; shorter ones spin (sync targets) or yield (async). */
const SLEEP_ABOVE_NS = CONTRACT_TIMING.sleepAboveNs;
/** Calls in flight beyond which new ones are dropped. */
const MAX_IN_FLIGHT = 10_000;

/**
 * A constant arrival rate, wrk2-style: call i is due at t0 + i/rate and its latency runs from
 * that intended start, so a stall shows in every call queued behind it (coordinated
 * omission corrected). The uncorrected latency (from the actual start) is kept beside it. A
 * call that starts a whole interval or more after its due time is late.
 */
export async function openLoop(
  target: CallTarget,
  op: string,
  nextInput: () => Uint8Array,
  options: OpenLoopOptions,
  recording: LaneRecording,
): Promise<OpenLoopReport> {
  const { clock } = options;
  const intervalNs = 1e9 / options.ratePerSec;
  const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
  const jitter = LatencyHistogram.create();
  const inFlight = new Set<Promise<void>>();
  const t0 = clock.nowNs();
  const tickEveryNs = (options.tickEveryMs ?? TICK_EVERY_MS) * 1e6;
  const tickEveryCalls = options.tickEveryCalls ?? Number.POSITIVE_INFINITY;
  let nextTickNs = t0 + tickEveryNs;
  let nextTickCalls = tickEveryCalls;
  let issued = 0;
  try {
    for (;;) {
      const intendedNs = t0 + issued * intervalNs;
      if (boundReached(options.bound, intendedNs - t0, issued) || options.signal?.aborted) break;
      if (options.tick && (recording.calls >= nextTickCalls || clock.nowNs() >= nextTickNs)) {
        nextTickNs = clock.nowNs() + tickEveryNs;
        nextTickCalls = recording.calls + tickEveryCalls;
        await options.tick(recording.calls);
      }
      const nowNs = clock.nowNs();
      if (nowNs < intendedNs) {
        if (intendedNs - nowNs > SLEEP_ABOVE_NS)
          await new Promise((resolve) => setTimeout(resolve, (intendedNs - nowNs - SLEEP_ABOVE_NS / 2) / 1e6));
        else if (!target.sync) await yieldToEventLoop();
        else while (clock.nowNs() < intendedNs);
        continue;
      }
      issued++;
      if (inFlight.size >= maxInFlight) {
        recording.dropped++;
        continue;
      }
      const input = nextInput();
      const startNs = clock.nowNs();
      jitter.recordNs(startNs - intendedNs);
      if (startNs - intendedNs >= intervalNs) recording.late++;
      if (target.sync) {
        const outcome = target.call(op, input);
        const endNs = clock.nowNs();
        recording.latency.recordNs(endNs - intendedNs);
        recording.uncorrected?.recordNs(endNs - startNs);
        recording.recordOutcome(outcome);
        if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind)) await target.recycle(outcome);
      } else {
        const done: Promise<void> = target.call(op, input).then(({ outcome, innerNs }) => {
          const endNs = clock.nowNs();
          recording.latency.recordNs(endNs - intendedNs);
          recording.uncorrected?.recordNs(endNs - startNs);
          recording.inner.recordNs(innerNs);
          recording.recordOutcome(outcome);
          inFlight.delete(done);
        });
        inFlight.add(done);
        // Let replies in while calls are due back to back.
        if (issued % 64 === 0) await yieldToEventLoop();
      }
    }
    await Promise.all(inFlight);
    const elapsedNs = clock.nowNs() - t0;
    return {
      achievedRatePerSec: (issued - recording.dropped) / (elapsedNs / 1e9),
      scheduleJitter: jitter.summary(),
      elapsedNs,
    };
  } finally {
    jitter.destroy();
  }
}
