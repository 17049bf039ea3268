import { erroredLabel, formatRate, formatSlope, formatTimed, timingLabel } from '../report/format.ts';
import { isMeasured, type Results } from '../report/results.ts';
import { colour } from './progress.ts';

/** Calls, rate, p50, p99 and max, right-aligned: the calls in 10 characters, each other figure in 11. */
const columns = (cells: readonly string[]) => cells.map((c, i) => c.padStart(i === 0 ? 10 : 11)).join('');

/** The ten-second summary of a run, on stdout. */
export function printRunSummary(results: Results): void {
  const verdict = colour(results.verdict === 'pass' ? 'PASS' : 'FAIL', results.verdict === 'pass');
  const interrupted = results.interrupted ? ' (interrupted)' : '';
  console.log(`\nplugbench ${verdict}${interrupted} — ${results.scenarios.length} scenario(s)`);
  for (const scenario of results.scenarios) {
    console.log(`\n${scenario.id} (${scenario.plugin} ${scenario.op})`);
    console.log(`  ${'lane'.padEnd(24)}${columns(['calls', 'rate', 'p50', 'p99', 'max'])}  errors / memory`);
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
      const { p50, p99, max } = lane.latency;
      const figures = columns([
        String(lane.load.calls),
        formatRate(rate),
        ...[p50, p99, max].map((ns) => formatTimed(lane.latency, ns)),
      ]);
      console.log(`  ${lane.lane.padEnd(24)}${figures}  ${errors}, ${formatSlope(lane.memory)}${mode}`);
    }
  }
}
