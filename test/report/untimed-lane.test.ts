import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { printRunSummary } from '../../harness/cli/run-summary.ts';
import { applyGate } from '../../harness/gate/apply-gate.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { renderHtml } from '../../harness/report/report-html.ts';
import { resultsEnvelope } from '../../harness/report/results.ts';
import { renderSummaryMarkdown } from '../../harness/report/summary-markdown.ts';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { resolveScenario } from '../../harness/scenario/scenario.ts';
import { measuredLanes } from '../helpers/lanes.ts';
import { printedBy } from '../helpers/cli.ts';
import { trusted } from '../helpers/plugins.ts';

test('a lane whose every call crashed before it was timed shows — for its latencies, not 0 ns', async () => {
  await initHistograms();
  // In the Go host's own load loop a call that takes the host down is never timed.
  const scenario = await runScenario(
    resolveScenario(
      { id: 'untimed', plugin: 'faulty', op: 'abort', lanes: ['native@go'], duration: '300ms', suites: [] },
      'test',
    ),
    { trusted },
  );
  const lane = measuredLanes(scenario)[0]!;
  assert.ok(lane.load.calls > 0 && lane.latency.count === 0, JSON.stringify(lane.latency));
  const { results: gated } = await applyGate(
    resultsEnvelope({ command: 'test', startedAt: '', scenarios: [scenario] }),
  );
  const printed = await printedBy(() => printRunSummary(gated));
  const row = printed.split('\n').find((line) => line.includes('native@go  '))!;
  assert.match(row, /—\s+—\s+—/);
  assert.not.match(row, '0 ns');
  const markdown = renderSummaryMarkdown(gated);
  assert.match(markdown, '| — | — | — | — |');
  assert.not.match(markdown, '| 0 ns |');
  assert.match(renderHtml(gated), '<td>—</td><td>—</td><td>—</td><td>—</td>');
});

test.run();
