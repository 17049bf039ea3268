import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { initHistograms, LatencyHistogram } from '../../harness/measure/latency.ts';
import { applyGate } from '../../harness/gate/apply-gate.ts';
import { mergeResults } from '../../harness/report/merge.ts';
import { RESULTS_SCHEMA, type Results, type ScenarioResult } from '../../harness/report/results.ts';
import { resolveScenario } from '../../harness/scenario/scenario.ts';
import { environment } from '../../harness/measure/environment.ts';
import { trusted } from '../helpers/plugins.ts';
import { measuredLanes } from '../helpers/lanes.ts';

async function measured(id: string, op: string): Promise<ScenarioResult> {
  await initHistograms();
  return runScenario(
    resolveScenario(
      {
        id,
        plugin: 'textkit',
        op,
        lanes: ['wasm-core@inproc', 'native@inproc'],
        input: { sizeBytes: 256 },
        calls: 3000,
        suites: [],
      },
      'test',
    ),
    { trusted },
  );
}

const results = (scenarios: ScenarioResult[]): Results => ({
  schema: RESULTS_SCHEMA,
  verdict: 'pass',
  command: 'test',
  startedAt: '1',
  finishedAt: '2',
  interrupted: false,
  env: environment(),
  scenarios,
  checks: [],
  gate: [],
});

test('merging shards keeps every scenario, adds histograms exactly and sums calls', async () => {
  const a = await measured('tokenize', 'tokenize');
  const b = await measured('echo', 'echo');
  const aAgain = await measured('tokenize', 'tokenize');
  const { merged, warnings } = mergeResults([results([a]), results([b, aAgain])], {
    commandLine: 'merge',
    informational: [],
  });
  assert.equal(warnings, []);
  assert.equal(
    merged.scenarios.map((s) => s.id),
    ['echo', 'tokenize'],
  );
  const tokenize = merged.scenarios.find((s) => s.id === 'tokenize')!;
  for (const lane of measuredLanes(tokenize)) {
    const parts = [a, aAgain].map((s) => measuredLanes(s).find((l) => l.lane === lane.lane)!);
    assert.is(lane.load.calls, parts[0]!.load.calls + parts[1]!.load.calls);
    const expected = LatencyHistogram.decode(parts[0]!.latency.hdr);
    const other = LatencyHistogram.decode(parts[1]!.latency.hdr);
    expected.add(other);
    assert.is(lane.latency.count, expected.count);
    assert.is(
      lane.latency.p99,
      expected.summary().p99,
      'percentiles recomputed from the added histogram, not averaged',
    );
    expected.destroy();
    other.destroy();
  }
});

test('merging a shard where a lane errored keeps it beside the measured runs, and the merged gate fails', async () => {
  const a = await measured('echo', 'echo');
  const refused = { kind: 'incompatible', message: 'the manifest says 2.0', step: 'open' } as const;
  const errored = { ...a, lanes: [{ ...a.lanes[1]!, state: 'errored', failure: refused } as const] };
  const { merged } = mergeResults([results([a]), results([errored])], { commandLine: 'merge', informational: [] });
  const lanes = merged.scenarios[0]!.lanes;
  assert.equal(
    lanes.map((l) => [l.lane, l.state]),
    [
      ['wasm-core@inproc', 'measured'],
      ['native@inproc', 'measured'],
      ['native@inproc', 'errored'],
    ],
  );
  assert.is(measuredLanes({ id: 'echo', lanes: lanes.slice(0, 2) })[1]!.load.calls, 3000);
  const { results: gated } = await applyGate(merged);
  assert.is(gated.verdict, 'fail');
  assert.equal(
    gated.gate.filter((g) => g.status === 'fail').map((g) => [g.lane, g.metric]),
    [['native@inproc', 'lane.state']],
  );
});

test('a decoded histogram widens its range when a shard with a larger max is added', async () => {
  await initHistograms();
  const [small, large] = [LatencyHistogram.create(), LatencyHistogram.create()];
  small.recordNs(1_000);
  large.recordNs(60_000_000_000);
  const total = LatencyHistogram.decode(small.encode());
  const other = LatencyHistogram.decode(large.encode());
  total.add(other);
  assert.is(total.count, 2);
  assert.ok(total.summary().max >= 59_000_000_000, `max ${total.summary().max}`);
  for (const h of [small, large, total, other]) h.destroy();
});

test.run();
