import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The harness's own event-loop delay over a run, in ns. */
export interface EventLoopDelay {
  p99Ns: number;
  maxNs: number;
}

/** Starts measuring the event-loop delay (10 ms resolution); `stop()` returns the figures. */
export function watchEventLoop(): { stop(): EventLoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return { p99Ns: histogram.count === 0 ? 0 : histogram.percentile(99), maxNs: histogram.count === 0 ? 0 : histogram.max };
    },
  };
}
