import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The harness's own event-loop delay over a run, in ns. */
export interface EventLoopDelay {
  p99Ns: number;
  maxNs: number;
}

/** Sampling interval of the monitor, in ms; Node's figures include it, so it is taken off. */
const RESOLUTION_MS = 1;

/** Starts measuring the event-loop delay; `stop()` returns how late the loop ran, in ns. */
export function watchEventLoop(): { stop(): EventLoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const late = (ns: number) => Math.max(0, ns - RESOLUTION_MS * 1e6);
  return {
    stop() {
      histogram.disable();
      return histogram.count === 0
        ? { p99Ns: 0, maxNs: 0 }
        : { p99Ns: late(histogram.percentile(99)), maxNs: late(histogram.max) };
    },
  };
}
