import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { initHistograms, LatencyHistogram } from '../../harness/measure/latency.ts';
import { resolveScenario, type ScenarioOptions } from '../../harness/scenario/scenario.ts';
import { trusted, u64 } from '../helpers/plugins.ts';
import { measuredLanes } from '../helpers/lanes.ts';

const run = (options: Omit<ScenarioOptions, 'suites'>, sampleEveryMs?: number) =>
  initHistograms().then(() =>
    runScenario(resolveScenario({ ...options, suites: [] }, 'test'), {
      trusted,
      ...(sampleEveryMs ? { sampleEveryMs } : {}),
    }),
  );

// One call in 200 stalls for 20 ms; the rest return at once.
const stalls = { bytes: [u64(20), ...Array.from({ length: 199 }, () => u64(0))] };

test('open loop: a periodic stall shows in the corrected p99, far above the uncorrected one', async () => {
  const result = await run({
    id: 'stall-open',
    plugin: 'faulty',
    op: 'slow',
    lanes: ['wasm-core@inproc'],
    input: stalls,
    load: { model: 'open', ratePerSec: 500 },
    duration: '2s',
  });
  const lane = measuredLanes(result)[0]!;
  assert.ok(lane.load.corrected);
  assert.ok(lane.latencyUncorrected, 'the uncorrected histogram is kept beside the corrected one');
  assert.ok(
    lane.latency.p99 > 10 * lane.latencyUncorrected!.p99,
    `corrected p99 ${lane.latency.p99} ns vs uncorrected ${lane.latencyUncorrected!.p99} ns`,
  );
  assert.ok(lane.latency.p99 > 2e6, 'calls queued behind a 20 ms stall waited milliseconds');
  assert.ok(lane.load.late > 0, 'calls behind a stall started late');
});

test('closed loop: the same stall does not claim to be corrected', async () => {
  const result = await run({
    id: 'stall-closed',
    plugin: 'faulty',
    op: 'slow',
    lanes: ['wasm-core@inproc'],
    input: stalls,
    load: { model: 'closed', concurrency: 1 },
    calls: 1000,
  });
  const lane = measuredLanes(result)[0]!;
  assert.is(lane.load.corrected, false);
  assert.is(lane.latencyUncorrected, undefined);
  assert.is(lane.load.concurrency, 1);
});

test('memory slope: leaking N bytes a call measures near N per call; echo near zero', async () => {
  const leakBytes = 64 * 1024;
  for (const lane of ['wasm-core@inproc', 'native@inproc', 'native@process']) {
    const leak = await run(
      { id: 'leak', plugin: 'faulty', op: 'leak', lanes: [lane], input: { bytes: [u64(leakBytes)] }, calls: 1500 },
      2,
    );
    const slope = measuredLanes(leak)[0]!.memory.slopeBytesPerCall;
    assert.ok(
      slope !== null && Math.abs(slope - leakBytes) < leakBytes * 0.15,
      `${lane}: leak slope ${slope} B/call, expected about ${leakBytes}`,
    );
  }
  // malloc also holds what the JS side frees only at its next GC (message buffers in a child,
  // earlier tests' garbage here): up to about 1 KiB a call of noise at 20 000 calls, far below a
  // leak worth the name, but not zero. Linear memory has none.
  const noise: Record<string, number> = { 'wasm-core@inproc': 64, 'native@inproc': 2048, 'native@process': 4096 };
  for (const [lane, bound] of Object.entries(noise)) {
    const echo = await run(
      { id: 'echo', plugin: 'faulty', op: 'echo', lanes: [lane], input: { sizeBytes: 1024 }, calls: 20000 },
      2,
    );
    assert.ok(
      Math.abs(measuredLanes(echo)[0]!.memory.slopeBytesPerCall ?? Infinity) < bound,
      `${lane}: echo slope ${measuredLanes(echo)[0]!.memory.slopeBytesPerCall} B/call`,
    );
  }
});

test('the encoded histograms decode to the reported percentiles', async () => {
  const result = await run({
    id: 'decode',
    plugin: 'textkit',
    op: 'tokenize',
    lanes: ['wasm-core@inproc', 'native@process'],
    load: { model: 'open', ratePerSec: 1000 },
    duration: '1s',
  });
  for (const lane of measuredLanes(result)) {
    for (const record of [lane.latency, lane.latencyUncorrected!, lane.latencyInner].filter(Boolean)) {
      const decoded = LatencyHistogram.decode(record!.hdr);
      const { hdr: _, ...reported } = record!;
      assert.equal(decoded.summary(), reported, lane.lane);
      decoded.destroy();
    }
    assert.ok(lane.memory.samples.length >= 3, 'memory is a curve');
    assert.equal(lane.errors, {});
  }
});

test.run();
