import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateGate, NO_BASELINE, regressionsNotJudged } from '../../harness/gate/evaluate.ts';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { environment } from '../../harness/measure/environment.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { RESULTS_SCHEMA, type Results } from '../../harness/report/results.ts';
import { resolveScenario } from '../../harness/scenario/scenario.ts';
import { trusted } from '../helpers/plugins.ts';

async function results(): Promise<Results> {
  await initHistograms();
  const scenario = await runScenario(
    resolveScenario(
      {
        id: 'echo',
        plugin: 'textkit',
        op: 'echo',
        lanes: ['wasm-core@inproc', 'native@inproc'],
        duration: '200ms',
        thresholds: ['regression.p50 < 10%'],
        suites: [],
      },
      'test',
    ),
    { trusted },
  );
  return {
    schema: RESULTS_SCHEMA,
    verdict: 'pass',
    command: 'test',
    startedAt: '',
    finishedAt: '',
    interrupted: false,
    env: environment(),
    scenarios: [scenario],
    checks: [],
    gate: [],
  };
}

test('without a baseline, regression thresholds make no row per lane: the run says once that they were not judged', async () => {
  const head = await results();
  assert.equal(
    evaluateGate(head).filter((g) => g.metric.startsWith('regression.')),
    [],
  );
  assert.is(regressionsNotJudged(head), NO_BASELINE);
  assert.match(NO_BASELINE, 'regressions not judged: no baseline — save one with `plugbench baseline save');
});

test('with a baseline, each lane is judged, and a lane the baseline lacks is a warning', async () => {
  const head = await results();
  const base: Results = {
    ...head,
    scenarios: [{ ...head.scenarios[0]!, lanes: head.scenarios[0]!.lanes.slice(0, 1) }],
  };
  const rows = evaluateGate(head, base).filter((g) => g.metric.startsWith('regression.'));
  assert.equal(
    rows.map((r) => [r.lane, r.value === null ? 'warn' : 'judged']),
    [
      ['wasm-core@inproc', 'judged'],
      ['native@inproc', 'warn'],
    ],
  );
  assert.is(regressionsNotJudged(head, base), undefined);
});

test.run();
