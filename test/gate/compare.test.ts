import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nativeLibrariesOpened } from '../../harness/engines/native.ts';
import { UsageError } from '../../harness/contract/errors.ts';
import { applyPolicy, DEFAULT_POLICY, type HostPolicy } from '../../harness/contract/policy.ts';
import { compareInterleaved, HeadFailed } from '../../harness/gate/compare.ts';
import { sharedCpu } from '../../harness/isolations/cpu-pin.ts';
import type { RelativeChange } from '../../harness/gate/statistics.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { initHistograms } from '../../harness/measure/latency.ts';
import { packageRoot } from '../../harness/paths.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

await initHistograms();

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;

type More = { threshold?: number; maxTimeMs?: number; metric?: 'inner' | 'roundtrip'; policy?: HostPolicy };

/** slowpoke's tokenizer against itself, configured by `headConfig` on the head side. */
const slowpokeAgainst = (headConfig: string, lane: string, more: More = {}) =>
  compareInterleaved({
    baseDir: fixture('slowpoke'),
    headDir: fixture('slowpoke'),
    op: 'tokenize',
    lane: parseLane(lane),
    trusted,
    baseConfig: '{"costPercent": 0}',
    headConfig,
    ...more,
  });

/** slowpoke against itself, its tokenizer `costPercent` % slower on the head side. */
const slowerBy = (costPercent: number, lane: string, more: More = {}) =>
  slowpokeAgainst(`{"costPercent": ${costPercent}}`, lane, more);

test('sequential compare: a 25 % slower tokenizer is flagged once the confidence sequence clears 10 %', async () => {
  const result = await slowerBy(25, 'wasm-core@inproc', { threshold: 0.1 });
  assert.is(result.status, 'fail', JSON.stringify(result.change));
  assert.is(result.stoppedBy, 'fail');
  assert.is(result.interval, 'confidence sequence');
  assert.ok(result.change.low > 0.1 && result.logRatios.length === result.rounds);
});

test("on an isolated lane the plugin's own time decides, and the round trip is reported beside it", async () => {
  const inner = await slowerBy(25, 'wasm-core@worker', { threshold: 0.1 });
  assert.is(inner.hosts, 'swapped', 'two workers differ as two children do: the sides swap them every round');
  assert.is(inner.decidedBy, 'inner');
  assert.is(inner.timedWhere, 'inside the worker');
  assert.is(inner.beside?.metric, 'roundtrip');
  assert.is(inner.status, 'fail', JSON.stringify(inner.change));
  const roundTrip = await slowerBy(25, 'wasm-core@worker', { threshold: 0.1, maxTimeMs: 5000, metric: 'roundtrip' });
  assert.is(roundTrip.decidedBy, 'roundtrip');
  assert.is(roundTrip.timedWhere, 'around the crossing, by the harness');
  assert.is(roundTrip.beside?.metric, 'inner');
});

test('native@process: the sides swap hosts every round and are judged over pairs; the planted change reads on its side', async () => {
  const result = await slowerBy(25, 'native@process', { threshold: 0.1 });
  assert.ok(result.hosts === 'swapped' && result.freshImagesEachRound);
  assert.is(result.rounds % 2, 0, 'whole pairs of rounds');
  assert.is(result.status, 'fail', JSON.stringify(result.change));
  // A host swapped without its side's label would read the change as about 0 (or flip it).
  assert.ok(result.change.low > 0.1, JSON.stringify(result.change));
  if (sharedCpu() !== undefined) assert.is(result.sharedCpu, sharedCpu(), "both hosts' plugins on one CPU");
});

for (const lane of ['native@go', 'wasm-core@go']) {
  test(`${lane}: one Go host holds both sides, reloaded every round; the planted change reads on its side`, async () => {
    const result = await slowerBy(25, lane, { threshold: 0.1 });
    assert.ok(result.hosts === 'one' && result.freshImagesEachRound);
    assert.is(result.status, 'fail', JSON.stringify(result.change));
    // A reload or a call sent to the other held plugin would read the change as about 0 (or flip it).
    assert.ok(result.change.low > 0.1, JSON.stringify(result.change));
  });
}

test('native@inproc A/A: each round loads both sides afresh, so no placement accident is flagged as a change', async () => {
  // Loaded once, two images of one build differed by up to 1.5 % for a whole comparison, with
  // intervals of ±0.3 % around that on a quiet machine (under load the intervals widen and hide
  // it, so the count of images is what pins the fix on any machine).
  const threshold = 0.005;
  const changes: RelativeChange[] = [];
  const imagesBefore = nativeLibrariesOpened();
  for (let run = 0; run < 4; run++) {
    const result = await compareInterleaved({
      baseDir: fixture('slowpoke'),
      headDir: fixture('slowpoke'),
      op: 'tokenize',
      lane: parseLane('native@inproc'),
      trusted,
      rounds: 10,
    });
    assert.ok(result.freshImagesEachRound);
    changes.push(result.change);
  }
  // Counted as opened, not as mapped: in a long test process fewer stay in /proc/self/maps.
  assert.is(nativeLibrariesOpened() - imagesBefore, 4 * 10 * 2, 'images loaded: two sides × 10 rounds × 4 comparisons');
  const shown = changes.map((c) => `${pct(c.estimate)} [${pct(c.low)} … ${pct(c.high)}]`).join(', ');
  const flagged = changes.filter((c) => c.low > threshold || c.high < -threshold);
  assert.is(flagged.length, 0, `A/A changes ${shown}: an interval lies beyond ±0.5 %`);
  const wasm = await slowerBy(0, 'wasm-core@inproc', { maxTimeMs: 600 });
  assert.ok(wasm.freshImagesEachRound, 'a core module in-process is opened afresh every round too');
  const component = await slowerBy(0, 'wasm-component@inproc', { maxTimeMs: 600 });
  assert.is(component.freshImagesEachRound, false, 'a component is opened once per side');
});

test('a budget that runs out before the interval can decide is a warning with the interval, not a guess', async () => {
  // 600 ms holds two rounds at most, taken even when one overruns it: a confidence sequence over two bounds nothing.
  const result = await slowerBy(5, 'wasm-core@inproc', { threshold: 0.01, maxTimeMs: 600 });
  assert.is(result.stoppedBy, 'budget');
  assert.is(result.status, 'warn');
  assert.ok(result.rounds >= 2 && result.change.low < 0.01 && result.change.high > 0.01, JSON.stringify(result.change));
});

test('compare names a malformed `--max-time` and exits 2', () => {
  const args = ['bin/plugbench.js', 'compare', '--base', 'slowpoke', '--head', 'slowpoke', '--op', 'tokenize'];
  args.push('--lane', 'wasm-core@inproc', '--max-time', 'soon');
  const run = spawnSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' });
  assert.is(run.status, 2, run.stderr);
  assert.match(run.stderr, '`--max-time soon` is not a duration: write `60s`, `500ms` or `2m`');
});

/** slowpoke against itself, its head broken by `headConfig` (`breakAfter` or `hangAfter` calls): what it threw. */
const brokenHead = (headConfig: string, lane: string) =>
  // What slowpoke asks for: a call longer than this is a hang.
  slowpokeAgainst(headConfig, lane, {
    policy: applyPolicy(DEFAULT_POLICY, { callTimeoutMs: 1000 }),
    maxTimeMs: 20_000,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );

test('a head whose op fails or hangs where base succeeds is a regression named as such, in every way compare times calls', async () => {
  const cases: Array<[lane: string, config: string, kind: string]> = [
    ['wasm-core@inproc', '{"breakAfter": 0}', 'plugin'], // its first call, before anything is timed
    ['native@process', '{"breakAfter": 200}', 'plugin'], // in a batch
    ['native@process', '{"hangAfter": 1}', 'timeout'], // a batch that never answers
    ['wasm-core@worker', '{"hangAfter": 0}', 'timeout'], // its first call, under a deadline
    ['wasm-core@go', '{"hangAfter": 1}', 'timeout'], // in the Go host's load loop
    ['native@go', '{"hangAfter": 1}', 'timeout'],
    ['native@go', '{"breakAfter": 1000}', 'plugin'], // in paired calls, or the load loop before them
  ];
  for (const [lane, config, kind] of cases) {
    const error = await brokenHead(config, lane);
    assert.instance(error, HeadFailed, `${lane} ${config}: ${String(error)}`);
    assert.is((error as HeadFailed).failure.kind, kind, `${lane} ${config}: ${String(error)}`);
    assert.match((error as HeadFailed).message, /^head's call of `tokenize`/);
  }
});

test("an op that fails on base is the user's to fix: a usage error that says so", async () => {
  const error = await compareInterleaved({
    baseDir: fixture('faulty'),
    headDir: fixture('faulty'),
    op: 'panic',
    lane: parseLane('wasm-core@inproc'),
    trusted,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(error, UsageError);
  assert.match(String(error), /base's call of `panic` with input 1 of 1 failed \(panic\).*pick another op/);
});

test.run();
