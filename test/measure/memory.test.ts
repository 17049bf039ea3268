import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { printRunSummary } from '../../harness/cli/run-summary.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../../harness/contract/policy.ts';
import { evaluateGate } from '../../harness/gate/evaluate.ts';
import { runScenario } from '../../harness/scenario/run-scenario.ts';
import { environment } from '../../harness/measure/environment.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { MIN_SLOPE_SAMPLES, pluginBytes } from '../../harness/measure/memory.ts';
import { renderHtml } from '../../harness/report/report-html.ts';
import { type MeasuredLane, RESULTS_SCHEMA, type Results, type ScenarioResult } from '../../harness/report/results.ts';
import { renderSummaryMarkdown } from '../../harness/report/summary-markdown.ts';
import { resolveScenario, type ScenarioOptions } from '../../harness/scenario/scenario.ts';
import { printedBy } from '../helpers/cli.ts';
import { trusted, u64 } from '../helpers/plugins.ts';
import { measuredLanes } from '../helpers/lanes.ts';

const run = (options: Omit<ScenarioOptions, 'suites'>, policy?: HostPolicy) =>
  initHistograms().then(() =>
    runScenario(resolveScenario({ ...options, suites: [] }, 'test'), { trusted, ...(policy ? { policy } : {}) }),
  );

const withMemoryQuota = (bytes: number): HostPolicy => ({
  ...DEFAULT_POLICY,
  quotas: { ...DEFAULT_POLICY.quotas, memoryBytes: bytes },
});

const results = (scenario: ScenarioResult): Results => ({
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
});

/** Within 15 % of the leak, or null with a reason; never 0 and never another number. */
function assertLeakRead(lane: MeasuredLane, leakBytes: number, context: string): void {
  const { slopeBytesPerCall: slope, slopeReason } = lane.memory;
  if (slope === null) assert.match(slopeReason ?? '', /^not enough samples: /, `${context}: a null slope says why`);
  else
    assert.ok(
      Math.abs(slope - leakBytes) < leakBytes * 0.15,
      `${context}: slope ${slope} B/call, expected about ${leakBytes}`,
    );
}

// Big enough that malloc noise in the harness (native@inproc) stays far below 15 %.
const LEAK = 16 * 1024;

test('a short run of a leaking op measures the leak: sampled by calls, not only every 100 ms', async () => {
  for (const lane of ['wasm-core@inproc', 'native@inproc', 'wasm-core@go', 'native@go']) {
    const result = await run({
      id: 'short-leak',
      plugin: 'faulty',
      op: 'leak',
      lanes: [lane],
      input: { bytes: [u64(LEAK)] },
      calls: 2000,
    });
    const measured = measuredLanes(result)[0]!;
    assert.is.not(measured.memory.slopeBytesPerCall, 0, `${lane}: a leaking op never reads as 0`);
    assertLeakRead(measured, LEAK, lane);
    // Sampled by time alone, a run this short (30–70 ms) would hold 2 or 3: its start, its end, a
    // 100 ms tick. By calls it asks for 40; a fast Go host gets fewer, as many as its encoder can
    // send (8–26 seen; a busy encoder's tick waits for the next batch instead of being dropped, and
    // up to 4 ticks wait for it at once).
    assert.ok(
      measured.memory.samples.length >= MIN_SLOPE_SAMPLES + 2,
      `${lane}: ${measured.memory.samples.length} samples over ${measured.load.durationMs.toFixed(0)} ms`,
    );
    // Calls on the harness's own thread are sampled between calls: always enough for a figure.
    if (lane.endsWith('@inproc'))
      assert.ok(measured.memory.slopeBytesPerCall !== null, `${lane}: ${measured.memory.slopeReason}`);
  }
});

test('too few samples: the slope is null with a reason, the gate warns, and every report says so', async () => {
  // One 300 ms call in a 100 ms run: a sample before it, one after, nothing to fit between (on a
  // worker: an inproc lane would first time 201 calls to choose its timing).
  const scenario = await run({
    id: 'one-slow-call',
    plugin: 'faulty',
    op: 'slow',
    lanes: ['wasm-core@worker'],
    input: { bytes: [u64(300)] },
    duration: '100ms',
    thresholds: ['memory.slopeBytesPerCall < 1KiB'],
  });
  const lane = measuredLanes(scenario)[0]!;
  assert.is(lane.memory.slopeBytesPerCall, null);
  assert.match(lane.memory.slopeReason!, /^not enough samples: \d+ memory samples over 1 calls/);
  const measured = results(scenario);
  const row = evaluateGate(measured).find((g) => g.metric === 'memory.slopeBytesPerCall')!;
  assert.is(row.status, 'warn');
  assert.is(row.value, null);
  assert.match(row.detail!, 'not enough samples');
  const gated = { ...measured, gate: evaluateGate(measured) };
  assert.match(renderSummaryMarkdown(gated), '| not enough samples |');
  assert.match(renderHtml(gated), '>not enough samples</td>');
  const printed = await printedBy(() => printRunSummary(gated));
  assert.match(printed, 'no errors, not enough samples');
  assert.not.match(JSON.stringify(gated), '0.0 B');
});

test('a leak that reaches the memory quota: the slope is fitted per instance lifetime, not across the replacements', async () => {
  // 64 KiB a call against a 16 MiB quota (64 MiB for the Go host, whose runtime shares its
  // RLIMIT_DATA): the instance is replaced every few hundred calls, and memory falls back each time.
  const leak = 64 * 1024;
  const cases: Array<[string, number, number]> = [
    ['wasm-core@inproc', 16, 1500],
    ['wasm-core@worker', 16, 1000],
    ['wasm-core@process', 16, 1000],
    ['wasm-core@go', 16, 1500],
    ['native@go', 64, 3000],
  ];
  for (const [lane, quotaMiB, calls] of cases) {
    const result = await run(
      { id: 'leak-to-quota', plugin: 'faulty', op: 'leak', lanes: [lane], input: { bytes: [u64(leak)] }, calls },
      withMemoryQuota(quotaMiB * 1024 * 1024),
    );
    const measured = measuredLanes(result)[0]!;
    const { samples } = measured.memory;
    assert.ok(
      samples.some((s, i) => i > 0 && pluginBytes(s) < pluginBytes(samples[i - 1]!)),
      `${lane}: memory fell back at a replacement`,
    );
    assert.ok(
      measured.memory.slopeBytesPerCall !== null && measured.memory.slopeBytesPerCall > 0,
      `${lane}: slope ${measured.memory.slopeBytesPerCall} (${measured.memory.slopeReason})`,
    );
    assertLeakRead(measured, leak, lane);
    const replaced = samples.at(-1)!.replacements! - samples[0]!.replacements!;
    assert.ok(replaced >= 2, `${lane}: samples count the instance's ${replaced} replacements`);
    if (lane === 'wasm-core@inproc') {
      const marks = renderHtml(results(result)).match(/<line [^>]*class="mark"/g) ?? [];
      assert.ok(marks.length >= 2, `report.html marks the replacements on the memory curve (${marks.length})`);
    }
  }
});

test.run();
