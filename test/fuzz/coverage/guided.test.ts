import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginLoadError } from '../../../harness/contract/errors.ts';
import { DEFAULT_POLICY } from '../../../harness/contract/policy.ts';
import { readSignedPluginMeta, readVerifiedArtifact } from '../../../harness/contract/provenance.ts';
import { fuzzGuided, type GuidedFuzzOptions } from '../../../harness/fuzz/coverage/guided-fuzz.ts';
import { fuzzModeOf, minimizeCoverageCorpus } from '../../../harness/fuzz/coverage/guided-phase.ts';
import { runFuzz } from '../../../harness/fuzz/run-fuzz.ts';
import { parseLane } from '../../../harness/lanes/registry.ts';
import { NativeInstance } from '../../../harness/engines/native.ts';
import { WasmCoreInstance } from '../../../harness/engines/wasm-core.ts';
import { fixture, trusted } from '../../helpers/plugins.ts';

const worker = parseLane('wasm-core@worker');
const child = parseLane('native@process');
/** Far above what the planted bugs take guided (about a second here); the tests do not time it. */
const BUDGET_MS = 8000;
const limits = { policy: DEFAULT_POLICY, maxOutputBytes: 1 << 20 };

const guided = (plugin: string, op: string, overrides: Partial<GuidedFuzzOptions> = {}) =>
  fuzzGuided({
    dir: fixture(plugin),
    lane: worker,
    op,
    trusted,
    seeds: [],
    dictionary: [],
    seed: 1,
    timeMs: BUDGET_MS,
    deadlineMs: 500,
    ...overrides,
  });

const refusal = async (open: () => unknown) => {
  try {
    await open();
  } catch (e) {
    return e as Error;
  }
  throw new Error('the coverage build loaded outside guided fuzzing');
};

test('a coverage build sits beside the plain artifacts, signed, and a load that is not guided fuzzing refuses it', async () => {
  const meta = readSignedPluginMeta(fixture('planted'), trusted);
  assert.equal(meta.coverage?.scope, 'crate');
  assert.ok(meta.coverage!.flags.includes('-Cllvm-args=-sanitizer-coverage-inline-8bit-counters'));
  assert.is.not(meta.coverage!.wasm.sha256, meta.artifacts.wasm!.sha256);
  const wasm = await refusal(() =>
    WasmCoreInstance.open(readVerifiedArtifact(fixture('planted'), meta.coverage!.wasm), meta, limits),
  );
  assert.instance(wasm, PluginLoadError);
  assert.is((wasm as PluginLoadError).kind, 'incompatible');
  assert.match(
    wasm.message,
    /wasm import `env::__sanitizer_cov_\w+` comes from a coverage build .* never timed; load the plain artifact/,
  );
  // This process never loads the coverage shim (guided native runs are in child processes).
  const native = await refusal(() =>
    NativeInstance.open(readVerifiedArtifact(fixture('planted'), meta.coverage!.native), meta, limits),
  );
  assert.instance(native, PluginLoadError);
  assert.match(
    native.message,
    /the shared library is a coverage build \(.*undefined symbol: __sanitizer_cov_\w+\).*never timed/,
  );
});

for (const lane of [worker, child]) {
  const name = `${lane.boundary}@${lane.isolation}`;
  test(`guided on ${name}: the TLV off-by-one and the bug behind a 4-byte magic and a length check are found`, async () => {
    const bugs = [
      ['tlv', /lib\.rs:\d+:\d+: range end index \d+ out of range for slice of length \d+/],
      ['frame', /lib\.rs:\d+:\d+: index out of bounds/],
    ] as const;
    for (const [op, location] of bugs) {
      const run = await guided('planted', op, { lane });
      assert.is(
        run.finding?.failure.kind,
        'panic',
        `${op} on ${name}: ${JSON.stringify({ ...run, corpus: run.corpus.length })}`,
      );
      assert.match(run.finding!.failure.message, location);
      assert.ok(run.edgesSeen > 0 && run.edgesSeen <= run.edgesTotal && run.corpus.length > 0);
    }
  });
}

test('a hand-written plugin (no SDK) built with --coverage fuzzes guided on both boundaries and stays clean', async () => {
  for (const lane of [worker, child]) {
    const run = await guided('handmade', 'reverse', { lane, seed: 3, timeMs: 600 });
    assert.is(run.finding, undefined, JSON.stringify(run.finding));
    assert.ok(
      run.execs > 100 && run.edgesSeen > 1 && run.corpus.length > 1,
      `${run.lane}: ${run.execs} execs, ${run.edgesSeen} edges`,
    );
  }
});

test('a hung execution is stopped by its deadline and named; a native crash stays in its child and names its input', async () => {
  const hang = await guided('faulty', 'spin', { seeds: [new Uint8Array([7, 7])], timeMs: 5000, deadlineMs: 200 });
  assert.is(hang.finding?.failure.kind, 'timeout');
  assert.equal([...hang.finding!.input], [7, 7]);
  const crash = await guided('faulty', 'segv', {
    lane: child,
    seeds: [new Uint8Array([9])],
    timeMs: 5000,
    deadlineMs: 1000,
  });
  assert.is(crash.finding?.failure.kind, 'crash');
  assert.match(crash.finding!.failure.message, /SIGSEGV/);
  assert.equal([...crash.finding!.input], [9]);
});

test('plugbench fuzz: guided where a coverage build exists, findings shrunk, saved, replayable; blind misses them', async () => {
  const corpusDir = mkdtempSync(join(tmpdir(), 'plugbench-guided-'));
  const lanes = [worker, child];
  const lines: string[] = [];
  const options = {
    plugins: ['planted'],
    lanes,
    trusted,
    corpusDir,
    sequenceRuns: 0,
    progress: (l: string) => lines.push(l),
  };
  const found = await runFuzz({ ...options, ops: ['tlv'], seed: 11, timeMs: 14_000 });
  assert.is(found.failures.length, 1, JSON.stringify(found.failures));
  const failure = found.failures[0]!;
  const input = Buffer.from(failure.inputBase64, 'base64');
  assert.is(failure.kind, 'panic');
  assert.is(input.toString('hex'), 'c381', 'shrunk to the 2-byte input');
  assert.match(
    lines.join('\n'),
    /planted tlv: guided: coverage build \(the plugin crate instrumented\); wasm-core@worker \d+ execs/,
  );
  const stats = found.properties[0]!;
  assert.is(stats.mode, 'guided');
  assert.ok(stats.coverage!.edgesSeen > 0 && stats.coverage!.edgesTotal >= stats.coverage!.edgesSeen);
  assert.equal(Object.keys(stats.guidedExecsPerSecByLane!).sort(), ['native@process', 'wasm-core@worker']);
  const coverageDir = join(corpusDir, 'planted', 'tlv', 'coverage');
  assert.ok(existsSync(coverageDir) && readdirSync(coverageDir).length > 0);
  const file = /--replay (\S+)$/.exec(failure.replay)![1]!;
  const replayed = await runFuzz({ ...options, ops: ['tlv'], seed: 2, replayFile: file });
  assert.is(replayed.failures[0]?.kind, 'panic');

  const mode = fuzzModeOf(fixture('planted'), lanes, trusted, false);
  if (mode.mode !== 'guided') throw new Error(mode.why);
  const { before, after } = await minimizeCoverageCorpus(fixture('planted'), mode, 'tlv', { trusted }, corpusDir);
  assert.ok(after > 0 && after <= before, `--minimize kept ${after} of ${before}`);
  assert.is(readdirSync(coverageDir).length, after);

  const blind = await runFuzz({ ...options, ops: ['frame'], seed: 11, runs: 500, coverage: false });
  assert.equal(blind.failures, []);
  assert.is(blind.properties[0]!.mode, 'blind');
  assert.match(lines.join('\n'), /planted frame: blind: `--no-coverage`/);
});

test.run();
