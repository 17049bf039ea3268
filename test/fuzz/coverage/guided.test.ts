import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginLoadError } from '../../../harness/contract/errors.ts';
import { readSignedPluginMeta, readVerifiedArtifact } from '../../../harness/contract/provenance.ts';
import { DEFAULT_POLICY } from '../../../harness/contract/policy.ts';
import { fuzzGuided } from '../../../harness/fuzz/coverage/guided-fuzz.ts';
import { runFuzz } from '../../../harness/fuzz/run-fuzz.ts';
import { parseLanes } from '../../../harness/lanes/lane.ts';
import { NativeInstance } from '../../../harness/lanes/native.ts';
import { WasmCoreInstance } from '../../../harness/lanes/wasm-core.ts';
import { fixture, trusted } from '../../helpers/plugins.ts';

const [worker, processLane] = parseLanes(['wasm-core@worker,native@process']) as [ReturnType<typeof parseLanes>[0], ReturnType<typeof parseLanes>[0]];
/** A budget far above what the planted bugs take guided (well under a second here); the tests do not time it. */
const BUDGET_MS = 8000;
const guided = (plugin: string, op: string, lane = worker, seed = 1, timeMs = BUDGET_MS) =>
  fuzzGuided({ dir: fixture(plugin), lane, op, trusted, seeds: [], dictionary: [], seed, timeMs, deadlineMs: 500 });

test('a coverage build sits beside the plain artifacts, signed, and a load that is not guided fuzzing refuses it', async () => {
  const meta = readSignedPluginMeta(fixture('planted'), trusted);
  assert.equal(meta.coverage?.scope, 'crate');
  assert.ok(meta.coverage!.flags.includes('-Cllvm-args=-sanitizer-coverage-inline-8bit-counters'));
  assert.is.not(meta.coverage!.wasm.sha256, meta.artifacts.wasm!.sha256);
  const bytes = readVerifiedArtifact(fixture('planted'), meta.coverage!.wasm);
  const error = await WasmCoreInstance.open(bytes, meta, { policy: DEFAULT_POLICY, maxOutputBytes: 1 << 20 }).catch((e) => e);
  assert.instance(error, PluginLoadError);
  assert.is((error as PluginLoadError).kind, 'incompatible');
  assert.match((error as Error).message, /wasm import `env::__sanitizer_cov_\w+` comes from a coverage build .* never timed; load the plain artifact/);
  // This process never loads the coverage shim (guided native runs are in child processes).
  const native = (() => {
    try {
      return NativeInstance.open(readVerifiedArtifact(fixture('planted'), meta.coverage!.native), meta, { policy: DEFAULT_POLICY, maxOutputBytes: 1 << 20 });
    } catch (e) {
      return e;
    }
  })();
  assert.instance(native, PluginLoadError);
  assert.match((native as Error).message, /the shared library is a coverage build \(.*undefined symbol: __sanitizer_cov_\w+\).*never timed/);
});

for (const lane of [worker, processLane]) {
  const name = `${lane.boundary}@${lane.isolation}`;
  test(`guided on ${name}: the TLV off-by-one (2 bytes) and the bug behind a 4-byte magic and a length check are found`, async () => {
    for (const [op, location] of [['tlv', /lib\.rs:49:\d+/], ['frame', /lib\.rs:27:\d+/]] as const) {
      const run = await guided('planted', op, lane);
      assert.is(run.finding?.failure.kind, 'panic', `${op} on ${name}: ${JSON.stringify({ ...run, corpus: run.corpus.length })}`);
      assert.match(run.finding!.failure.message, location);
      assert.ok(run.edgesSeen > 0 && run.edgesSeen <= run.edgesTotal && run.corpus.length > 0);
    }
  });
}

test('a hand-written plugin (no SDK) built with --coverage fuzzes guided on both boundaries and stays clean', async () => {
  for (const lane of [worker, processLane]) {
    const run = await guided('handmade', 'reverse', lane, 3, 600);
    assert.is(run.finding, undefined, JSON.stringify(run.finding));
    assert.ok(run.execs > 100 && run.edgesSeen > 1 && run.corpus.length > 1, `${run.lane}: ${run.execs} execs, ${run.edgesSeen} edges`);
  }
});

test('a hung execution is stopped by its deadline and named; a native crash stays in its child and names its input', async () => {
  const hang = await fuzzGuided({ dir: fixture('faulty'), lane: worker, op: 'spin', trusted, seeds: [new Uint8Array([7, 7])], dictionary: [], seed: 1, timeMs: 5000, deadlineMs: 200 });
  assert.is(hang.finding?.failure.kind, 'timeout');
  assert.equal([...hang.finding!.input], [7, 7]);
  const crash = await fuzzGuided({ dir: fixture('faulty'), lane: processLane, op: 'segv', trusted, seeds: [new Uint8Array([9])], dictionary: [], seed: 1, timeMs: 5000, deadlineMs: 1000 });
  assert.is(crash.finding?.failure.kind, 'crash');
  assert.match(crash.finding!.failure.message, /SIGSEGV/);
  assert.equal([...crash.finding!.input], [9]);
});

test('plugbench fuzz: guided where a coverage build exists, findings shrunk, saved, replayable; blind with --no-coverage misses them', async () => {
  const corpusDir = mkdtempSync(join(tmpdir(), 'plugbench-guided-'));
  const lanes = [worker, processLane];
  const lines: string[] = [];
  const found = await runFuzz({ plugins: ['planted'], ops: ['tlv'], lanes, trusted, seed: 11, timeMs: 4000, corpusDir, sequenceRuns: 0, progress: (l) => lines.push(l) });
  assert.is(found.failures.length, 1, JSON.stringify(found.failures));
  const failure = found.failures[0]!;
  assert.is(failure.kind, 'panic');
  assert.ok(Buffer.from(failure.inputBase64, 'base64').length <= 3, `shrunk to ${Buffer.from(failure.inputBase64, 'base64').toString('hex')}`);
  assert.match(lines.join('\n'), /planted tlv: guided: coverage build \(the plugin crate instrumented\); wasm-core@worker \d+ execs/);
  const stats = found.properties[0]!;
  assert.is(stats.mode, 'guided');
  assert.ok(stats.coverage!.edgesSeen > 0 && stats.coverage!.edgesTotal >= stats.coverage!.edgesSeen);
  assert.equal(Object.keys(stats.guidedExecsPerSecByLane!).sort(), ['native@process', 'wasm-core@worker']);
  assert.ok(existsSync(join(corpusDir, 'planted', 'tlv', 'coverage')) && readdirSync(join(corpusDir, 'planted', 'tlv', 'coverage')).length > 0);
  const file = /--replay (\S+)$/.exec(failure.replay)![1]!;
  const replayed = await runFuzz({ plugins: ['planted'], ops: ['tlv'], lanes, trusted, seed: 2, replayFile: file, corpusDir, sequenceRuns: 0 });
  assert.is(replayed.failures[0]?.kind, 'panic');

  const { minimizeCoverageCorpus, fuzzModeOf } = await import('../../../harness/fuzz/coverage/guided-phase.ts');
  const mode = fuzzModeOf(fixture('planted'), lanes, trusted, false);
  if (mode.mode !== 'guided') throw new Error(mode.why);
  const { before, after } = await minimizeCoverageCorpus(fixture('planted'), mode, 'tlv', trusted, corpusDir);
  assert.ok(after > 0 && after <= before, `--minimize kept ${after} of ${before}`);
  assert.is(readdirSync(join(corpusDir, 'planted', 'tlv', 'coverage')).length, after);

  const blind = await runFuzz({ plugins: ['planted'], ops: ['frame'], lanes, trusted, seed: 11, runs: 500, corpusDir, coverage: false, sequenceRuns: 0, progress: (l) => lines.push(l) });
  assert.equal(blind.failures, []);
  assert.is(blind.properties[0]!.mode, 'blind');
  assert.match(lines.join('\n'), /planted frame: blind: `--no-coverage`/);
});

test.run();
