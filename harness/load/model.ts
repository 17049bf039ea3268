import type { RunBound } from '../isolations/host-load-lane.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import type { MemoryReading } from '../measure/memory.ts';

/** How load is offered to a lane. */
export type LoadModel =
  /** A constant arrival rate (calls per second), timed from each call's intended start. */
  | { model: 'open'; ratePerSec: number }
  /** A fixed number of callers, each waiting for its answer before the next call. */
  | { model: 'closed'; concurrency: number }
  /** Open-loop steps of rising rate until p99 leaves its budget; reports the highest rate that kept it. */
  | {
      model: 'ramp';
      startRatePerSec: number;
      stepRatePerSec: number;
      stepMs: number;
      p99BudgetNs: number;
      maxRatePerSec: number;
    };

/** Warm-up is a `partOf` the bound (a tenth), at most `maxMs` or `maxCalls`. */
export const WARMUP = { partOf: 10, maxMs: 1000, maxCalls: 10_000 };

/** Warm-up excluded from the figures: see WARMUP. */
export function warmupFor(bound: RunBound): RunBound {
  return 'durationMs' in bound
    ? { durationMs: Math.min(WARMUP.maxMs, bound.durationMs / WARMUP.partOf) }
    : { calls: Math.min(WARMUP.maxCalls, Math.ceil(bound.calls / WARMUP.partOf)) };
}

/** Checks a bound against elapsed time and calls issued. */
export function boundReached(bound: RunBound, elapsedNs: number, calls: number): boolean {
  return 'durationMs' in bound ? elapsedNs >= bound.durationMs * 1e6 : calls >= bound.calls;
}

/** How often a load ticks (memory samples, progress, a host's deltas), in ms; the Go host's too. */
export const TICK_EVERY_MS = CONTRACT_TIMING.tickMs;

/** Hooks every load model honours while it runs. */
export interface LoopHooks {
  /**
   * Called about every `tickEveryMs` and every `tickEveryCalls` calls with the calls completed
   * so far (memory samples, progress), and the lane's memory when its host measured it with them.
   */
  tick?: (calls: number, memory?: MemoryReading) => Promise<void>;
  /** @default TICK_EVERY_MS */
  tickEveryMs?: number;
  /** @default Infinity (by time only) */
  tickEveryCalls?: number;
  /** Stops the loop early (Ctrl-C); what was measured is kept. */
  signal?: AbortSignal;
}
