import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateGate } from '../../harness/gate/evaluate.ts';
import { initHistograms, LatencyHistogram } from '../../harness/measure/latency.ts';
import { seededRandom } from '../../harness/random.ts';
import type { LaneResult, LatencyRecord, Results } from '../../harness/report/results.ts';

await initHistograms();

/** A latency record of `count` calls around `centreNs`, spread by ±`spread` (a ratio). */
function latency(centreNs: number, spread: number, count: number, seed: number): LatencyRecord {
  const random = seededRandom(seed);
  const h = LatencyHistogram.create();
  for (let i = 0; i < count; i++) h.recordNs(Math.round(centreNs * (1 + spread * (random() - 0.5))));
  const record = { ...h.summary(), hdr: h.encode() };
  h.destroy();
  return record;
}

/** Results of one `native@process` lane with the given round trip and inner times. */
function results(roundTrip: LatencyRecord, inner: LatencyRecord): Results {
  const lane = {
    lane: 'native@process',
    boundary: 'native',
    isolation: 'process',
    latency: roundTrip,
    latencyInner: inner,
    errors: {},
    load: { calls: roundTrip.count },
  } as unknown as LaneResult;
  const scenario = {
    id: 'tok',
    plugin: 'slowpoke',
    op: 'tokenize',
    thresholds: ['regression.p50 < 5%'],
    lanes: [lane],
  };
  return { scenarios: [scenario], gate: [], checks: [] } as unknown as Results;
}

const regressionRow = (head: Results, base: Results, metric?: 'inner' | 'roundtrip') =>
  evaluateGate(head, base, metric).find((g) => g.metric === 'regression.p50')!;

test("a baseline comparison on an isolated lane judges the plugin's own time, and says so", () => {
  // The plugin got 20 % slower; a noisy crossing of a few hundred µs hides it in the round trip.
  const base = results(latency(400_000, 0.8, 5000, 1), latency(50_000, 0.02, 5000, 2));
  const head = results(latency(410_000, 0.8, 5000, 3), latency(60_000, 0.02, 5000, 4));
  const inner = regressionRow(head, base);
  assert.is(inner.status, 'fail', inner.detail);
  assert.is(inner.decidedBy, 'inner');
  assert.is(inner.samples, 400);
  assert.ok(inner.interval!.low > 0.05, JSON.stringify(inner.interval));
  assert.match(
    inner.detail!,
    'on latencyInner.p50, bootstrap of 400 draws per side from 5000 head and 5000 baseline calls,',
  );
  const roundTrip = regressionRow(head, base, 'roundtrip');
  assert.is(roundTrip.decidedBy, 'roundtrip');
  assert.match(roundTrip.detail!, 'on latency.p50');
  assert.is.not(roundTrip.status, 'fail', roundTrip.detail);
});

test('an interval too wide to judge is a warning that asks for `plugbench compare`, never a pass', () => {
  const base = results(latency(110_000, 0.4, 5000, 1), latency(50_000, 0.6, 5000, 2));
  const head = results(latency(110_000, 0.4, 5000, 3), latency(51_000, 0.6, 5000, 4));
  const row = regressionRow(head, base);
  assert.ok(row.interval!.low < 0.05 && row.interval!.high > 0.05, JSON.stringify(row.interval));
  assert.is(row.status, 'warn');
  const compareLine =
    '`plugbench compare --base BASELINE_BUILD --head slowpoke --op tokenize --lane native@process --threshold 5%`';
  assert.match(row.detail!, `too wide to judge against 5%; run ${compareLine}`);
});

test('a clear non-regression passes: the whole interval lies below the threshold', () => {
  const base = results(latency(110_000, 0.4, 5000, 1), latency(50_000, 0.02, 5000, 2));
  const head = results(latency(110_000, 0.4, 5000, 3), latency(50_000, 0.02, 5000, 4));
  assert.is(regressionRow(head, base).status, 'pass');
});

test.run();
