import { erroredLabel, formatNs, formatRate, formatSlope, timingLabel } from '../report/format.ts';
import { isMeasured, type Results } from '../report/results.ts';
import { colour } from './progress.ts';

/** The ten-second summary of a run, on stdout. */
export function printRunSummary(results: Results): void {
  console.log(
    `\nplugbench ${colour(results.verdict === 'pass' ? 'PASS' : 'FAIL', results.verdict === 'pass')}${results.interrupted ? ' (interrupted)' : ''} — ${results.scenarios.length} scenario(s)`,
  );
  for (const scenario of results.scenarios) {
    console.log(`\n${scenario.id} (${scenario.plugin} ${scenario.op})`);
    console.log(
      `  ${'lane'.padEnd(24)}${'calls'.padStart(10)}${'rate'.padStart(11)}${'p50'.padStart(11)}${'p99'.padStart(11)}${'max'.padStart(11)}  errors / memory`,
    );
    for (const lane of scenario.lanes) {
      if (!isMeasured(lane)) {
        console.log(
          `  ${lane.lane.padEnd(24)}${colour('ERRORED', false)} ${erroredLabel(lane).replace(/^errored /, '')}`,
        );
        continue;
      }
      const rate = lane.load.calls / (lane.load.durationMs / 1000);
      const errors =
        Object.entries(lane.errors)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'no errors';
      const mode =
        lane.load.timing.mode === 'per-call' && lane.load.driver !== 'go-host' ? '' : ` (${timingLabel(lane.load)})`;
      console.log(
        `  ${lane.lane.padEnd(24)}${String(lane.load.calls).padStart(10)}${formatRate(rate).padStart(11)}${formatNs(lane.latency.p50).padStart(11)}${formatNs(lane.latency.p99).padStart(11)}${formatNs(lane.latency.max).padStart(11)}  ${errors}, ${formatSlope(lane.memory)}${mode}`,
      );
    }
  }
}
