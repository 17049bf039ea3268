import { CONTRACT_TIMING } from '../contract/generated.ts';

/** A monotonic clock in nanoseconds; passed in so tests control time. */
export interface Clock {
  nowNs(): number;
}

/** `process.hrtime.bigint()` as a number of ns (exact up to ~104 days of uptime). */
export const hrClock: Clock = { nowNs: () => Number(process.hrtime.bigint()) };

/** What reading the clock costs and the smallest step it shows, measured at start. */
export interface ClockCalibration {
  /** Median cost of one read, in ns. */
  readCostNs: number;
  /** Smallest non-zero difference between consecutive reads, in ns. */
  resolutionNs: number;
}

export function calibrateClock(clock: Clock, reads: number = CONTRACT_TIMING.clockCalibrationReads): ClockCalibration {
  const costs: number[] = [];
  let resolutionNs = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 20; batch++) {
    const n = reads / 20;
    const start = clock.nowNs();
    let previous = start;
    for (let i = 0; i < n; i++) {
      const now = clock.nowNs();
      if (now > previous && now - previous < resolutionNs) resolutionNs = now - previous;
      previous = now;
    }
    costs.push((previous - start) / n);
  }
  costs.sort((a, b) => a - b);
  return {
    readCostNs: costs[Math.floor(costs.length / 2)]!,
    resolutionNs: Number.isFinite(resolutionNs) ? resolutionNs : 1,
  };
}

/** A call shorter than this many clock reads is timed in batches. */
export const PER_CALL_MIN_READS = CONTRACT_TIMING.perCallMinReads;
/** A batch lasts at least this many clock reads, so the reads cost under 1 % of it. */
export const BATCH_MIN_READS = CONTRACT_TIMING.batchMinReads;

/** How many calls to time together: 1 (per call) unless a call is shorter than PER_CALL_MIN_READS clock reads. */
export function batchSizeFor(callNs: number, clock: ClockCalibration): number {
  const readNs = Math.max(clock.readCostNs, clock.resolutionNs);
  if (callNs >= PER_CALL_MIN_READS * readNs) return 1;
  return Math.min(CONTRACT_TIMING.maxBatch, Math.ceil((BATCH_MIN_READS * readNs) / Math.max(callNs, 1)));
}
