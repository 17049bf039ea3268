import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { POISONING_KINDS } from '../contract/errors.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import type { Clock } from '../measure/clock.ts';
import { LatencyHistogram, type LatencySummary } from '../measure/latency.ts';
import type { LaneRecording } from '../measure/recording.ts';
import { type RunBound } from '../isolations/host-load-lane.ts';
import { boundReached, type LoopHooks } from './model.ts';
import type { CallTarget } from './target.ts';
import { Ticker } from './ticker.ts';

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
  const ticker = new Ticker(options, clock, recording, t0);
  let issued = 0;
  try {
    for (;;) {
      const intendedNs = t0 + issued * intervalNs;
      if (boundReached(options.bound, intendedNs - t0, issued) || options.signal?.aborted) break;
      if (ticker.dueNow()) await ticker.tick();
      const nowNs = clock.nowNs();
      if (nowNs < intendedNs) {
        await waitUntil(intendedNs, nowNs, target, clock);
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
      const timing = { intendedNs, startNs, clock, recording };
      if (target.sync) await syncCall(target, op, input, timing);
      else {
        // Blocking for the answer may last until the next send or tick is due, no longer.
        const nextSendMs = (t0 + issued * intervalNs - startNs) / 1e6;
        const holdMs = ticker.msUntilDue(startNs, nextSendMs);
        const done: Promise<void> = asyncCall(target, op, input, timing, holdMs).then(() => void inFlight.delete(done));
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

/** Until a call is due: a timer for long waits, then a spin (sync targets) or a yield (async ones). */
async function waitUntil(intendedNs: number, nowNs: number, target: CallTarget, clock: Clock): Promise<void> {
  if (intendedNs - nowNs > SLEEP_ABOVE_NS)
    await new Promise((resolve) => setTimeout(resolve, (intendedNs - nowNs - SLEEP_ABOVE_NS / 2) / 1e6));
  else if (!target.sync) await yieldToEventLoop();
  else while (clock.nowNs() < intendedNs);
}

/** How one call is timed: from its intended start (corrected) and from its actual start. */
interface CallTiming {
  intendedNs: number;
  startNs: number;
  clock: Clock;
  recording: LaneRecording;
}

function recordEnd({ intendedNs, startNs, clock, recording }: CallTiming): void {
  const endNs = clock.nowNs();
  recording.latency.recordNs(endNs - intendedNs);
  recording.uncorrected?.recordNs(endNs - startNs);
}

async function syncCall(
  target: Extract<CallTarget, { sync: true }>,
  op: string,
  input: Uint8Array,
  timing: CallTiming,
): Promise<void> {
  const outcome = target.call(op, input);
  recordEnd(timing);
  timing.recording.recordOutcome(outcome);
  if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind)) await target.recycle(outcome);
}

async function asyncCall(
  target: Extract<CallTarget, { sync: false }>,
  op: string,
  input: Uint8Array,
  timing: CallTiming,
  holdMs: number,
): Promise<void> {
  const { outcome, innerNs } = await target.call(op, input, holdMs);
  recordEnd(timing);
  timing.recording.inner.recordNs(innerNs);
  timing.recording.recordOutcome(outcome);
}
