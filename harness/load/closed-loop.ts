import { POISONING_KINDS } from '../contract/errors.ts';
import type { Clock } from '../measure/clock.ts';
import type { LaneRecording } from '../measure/recording.ts';
import { type RunBound } from '../isolations/host-load-lane.ts';
import { boundReached, type LoopHooks, TICK_EVERY_MS } from './model.ts';
import type { CallTarget } from './target.ts';
import { Ticker } from './ticker.ts';

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
 * Longest a lone caller blocks for an answer through shared memory, in ms: an interrupt waits
 * this long at most. A short bound costs a wake-up per call where idle CPUs halt: a 64-byte
 * echo on wasm-core@worker took 36-40 µs with a 0.05 ms bound, 12 µs with 100 ms (stop 21).
 */
const LONE_CALLER_HOLD_MS = TICK_EVERY_MS;

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
  const crossingBatch = options.crossingBatch ?? 1;
  const t0 = clock.nowNs();
  const ticker = new Ticker(options, clock, recording, t0);
  let issued = 0;
  const done = (nowNs: number) => boundReached(bound, nowNs - t0, issued) || options.signal?.aborted === true;
  /** Up to `n` calls, fewer where the bound's calls run out. */
  const take = (n: number) => {
    const taken = 'calls' in bound ? Math.min(n, bound.calls - issued) : n;
    issued += taken;
    return taken;
  };
  // A lone caller blocks for its answer until the next tick: nothing else is due on its loop.
  const holdMs = targets.length === 1 ? (nowNs: number) => ticker.msUntilDue(nowNs, LONE_CALLER_HOLD_MS) : undefined;
  const caller = async (target: CallTarget) => {
    // The clock read that ends one call's timing also decides whether to go on: one read fewer per call.
    let nowNs = clock.nowNs();
    while (!done(nowNs)) {
      if (ticker.due(nowNs)) await ticker.tick();
      if (target.sync) {
        // A timed batch ends where a tick by calls is due, so a short run still gets its samples.
        const n = Math.min(batchSize, ticker.untilTick());
        nowNs = await timedBatch(target, op, nextInput(), take(n), clock, recording);
        continue;
      }
      if (target.batch && crossingBatch > 1)
        await crossing(target.batch, op, nextInput(), take(crossingBatch), recording);
      else {
        issued++;
        await timedCall(target, op, nextInput(), clock, recording, holdMs?.(nowNs));
      }
      nowNs = clock.nowNs();
    }
  };
  await Promise.all(targets.map(caller));
  const elapsedNs = clock.nowNs() - t0;
  return { elapsedNs, throughputPerSec: recording.calls / (elapsedNs / 1e9) };
}

type SyncTarget = Extract<CallTarget, { sync: true }>;
type AsyncTarget = Extract<CallTarget, { sync: false }>;

/** `n` calls on a sync target timed together, each recorded at their mean; returns the clock at their end. */
async function timedBatch(
  target: SyncTarget,
  op: string,
  input: Uint8Array,
  n: number,
  clock: Clock,
  recording: LaneRecording,
): Promise<number> {
  const startNs = clock.nowNs();
  for (let i = 0; i < n; i++) {
    const outcome = target.call(op, input);
    if (!outcome.ok) {
      recording.recordOutcome(outcome);
      if (POISONING_KINDS.has(outcome.failure.kind)) await target.recycle(outcome);
    } else recording.calls++;
  }
  const endNs = clock.nowNs();
  recording.latency.recordNsTimes((endNs - startNs) / n, n);
  return endNs;
}

/** `n` calls in one crossing into a worker or child, each timed inside it. */
async function crossing(
  batch: NonNullable<AsyncTarget['batch']>,
  op: string,
  input: Uint8Array,
  n: number,
  recording: LaneRecording,
): Promise<void> {
  const result = await batch(op, input, n);
  for (const ns of result.innerNs) {
    recording.latency.recordNs(ns);
    recording.inner.recordNs(ns);
  }
  recording.calls += result.innerNs.length;
  for (const failure of result.failures) recording.recordFailure(failure);
}

/** One call into a worker or child, timed from here (and inside it). */
async function timedCall(
  target: AsyncTarget,
  op: string,
  input: Uint8Array,
  clock: Clock,
  recording: LaneRecording,
  holdMs: number | undefined,
): Promise<void> {
  const startNs = clock.nowNs();
  const { outcome, innerNs } = await target.call(op, input, holdMs);
  recording.latency.recordNs(clock.nowNs() - startNs);
  recording.inner.recordNs(innerNs);
  recording.recordOutcome(outcome);
}
