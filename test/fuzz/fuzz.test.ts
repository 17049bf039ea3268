import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectPlugins } from '../../harness/project/project.ts';
import { loadCorpus } from '../../harness/fuzz/corpus.ts';
import { runFuzz } from '../../harness/fuzz/run-fuzz.ts';
import { parseLanes } from '../../harness/lanes/registry.ts';
import { trusted } from '../helpers/plugins.ts';

const corpusDir = mkdtempSync(join(tmpdir(), 'plugbench-corpus-'));
const lanes = parseLanes(['wasm-core@worker,native@process']);

test('the planted bug in lz-buggy is found, shrunk, saved, replayed by its command, and replayed first next time', async () => {
  const first = await runFuzz({
    plugins: ['lz-buggy'],
    ops: ['decompress'],
    lanes,
    trusted,
    seed: 42,
    runs: 2000,
    corpusDir,
  });
  assert.is(first.failures.length, 1);
  const failure = first.failures[0]!;
  assert.is(failure.property, 'robustness');
  assert.is(failure.kind, 'panic');
  assert.match(failure.message, /panicked at \S+codec\.rs:\d+:\d+/);
  const input = Buffer.from(failure.inputBase64, 'base64');
  assert.ok(input.length <= 24, `shrunk to ${input.length} bytes`);
  const saved = loadCorpus('lz-buggy', 'decompress', corpusDir);
  assert.is(saved.length, 1);
  assert.equal([...saved[0]!.input], [...input]);
  assert.ok(existsSync(saved[0]!.file.replace(/\.bin$/, '.json')));

  const file = /--replay (\S+)$/.exec(failure.replay)![1]!;
  assert.ok(existsSync(file), `the replay command names the saved file: ${failure.replay}`);
  const replayed = await runFuzz({
    plugins: ['lz-buggy'],
    ops: ['decompress'],
    lanes,
    trusted,
    seed: 1,
    replayFile: file,
    corpusDir,
  });
  assert.is(replayed.failures[0]?.kind, 'panic');

  const again = await runFuzz({
    plugins: ['lz-buggy'],
    ops: ['decompress'],
    lanes,
    trusted,
    seed: 7,
    runs: 2000,
    corpusDir,
  });
  assert.is(again.properties[0]!.runs, 1, 'the corpus entry fails on the first run');
  assert.is(loadCorpus('lz-buggy', 'decompress', corpusDir).length, 1, 'the same finding is not saved twice');
});

test('the differential property catches builds that disagree (usize is 32 bits on wasm32, 64 on x86_64)', async () => {
  const result = await runFuzz({
    plugins: ['usize-hash'],
    ops: ['hash'],
    lanes: parseLanes(['wasm-core@inproc,native@inproc']),
    trusted,
    seed: 3,
    runs: 200,
    corpusDir,
    save: false,
  });
  const differential = result.failures.filter((f) => f.property === 'differential');
  assert.is(differential.length, 1);
  assert.ok(
    Buffer.from(differential[0]!.inputBase64, 'base64').length <= 2,
    'shrunk to the shortest disagreeing input',
  );
  const stateful = result.failures.find((f) => f.property === 'stateful');
  assert.ok(stateful, 'the sequences disagree too');
  const answer = (lane: string) => `${lane} answered ok \\(8 bytes: [0-9a-f]{16}\\)`;
  const step = 'call\\(hash, \\d+ B: [A-Za-z0-9+/=]+\\)';
  const answers = ['wasm-core@worker', 'wasm-component@worker', 'native@process'].map(answer).join('; ');
  assert.match(
    stateful.message,
    new RegExp(
      `^the boundaries disagree at step \\d+, ${step}: ${answers}; sequence \\[init\\([^)]*\\); .*${step}\\] \\(seed 3, path `,
    ),
  );
  assert.match(stateful.sequence?.at(-1) ?? '', new RegExp(`^${step}$`), 'the steps, the disagreeing one last');
});

test("the default plugins (a fresh clone's `plugbench fuzz`) pass every property, oracles and round trips included, with executions per second per lane", async () => {
  const result = await runFuzz({ plugins: projectPlugins(), lanes, trusted, seed: 5, runs: 60, corpusDir });
  assert.equal(result.failures, [], JSON.stringify(result.failures));
  const sha = result.properties.find((p) => p.plugin === 'hashkit' && p.op === 'sha256')!;
  assert.match(sha.property, 'oracle');
  assert.match(result.properties.find((p) => p.plugin === 'lz' && p.op === 'compress')!.property, 'round-trip');
  for (const p of result.properties.filter((p) => p.property !== 'stateful'))
    assert.equal(Object.keys(p.execsPerSecByLane).sort(), ['native@process', 'wasm-core@worker']);
  assert.equal(
    result.properties.filter((p) => p.property === 'stateful').map((p) => `${p.plugin} ${p.status}`),
    projectPlugins().map((p) => `${p} pass`),
  );
});

test('init/call/shutdown sequences agree across boundaries for textkit, and the shrunk disagreement of usize-hash is reported', async () => {
  const { checkSequences } = await import('../../harness/fuzz/stateful.ts');
  const { sequenceLanes } = await import('../helpers/plugins.ts');
  const textkit = await sequenceLanes('textkit', ['wasm-core', 'wasm-component', 'native']);
  const agreed = await checkSequences(textkit, textkit[0]!.manifest.ops, {
    runs: 25,
    seed: 9,
    deadlineMs: 5000,
  }).finally(() => Promise.all(textkit.map((l) => l.close())));
  assert.is(agreed.finding, undefined);
  assert.is(agreed.runs, 25);
  const usizeHash = await sequenceLanes('usize-hash', ['wasm-core', 'native']);
  const { finding } = await checkSequences(usizeHash, usizeHash[0]!.manifest.ops, {
    runs: 50,
    seed: 9,
    deadlineMs: 5000,
  }).finally(() => Promise.all(usizeHash.map((l) => l.close())));
  assert.ok(finding, 'usize-hash disagrees');
  assert.match(finding.steps.at(-1)!, /^call\(hash, \d+ B: /);
  assert.equal(
    finding.answers.map((a) => a.lane),
    ['wasm-core@worker', 'native@process'],
  );
  for (const { answer } of finding.answers) assert.match(answer, /^ok \(8 bytes: [0-9a-f]{16}\)$/);
  assert.not.equal(finding.answers[0]!.answer, finding.answers[1]!.answer, 'each lane says what it answered');
  assert.ok(finding.steps.length <= 2, `shrunk to ${finding.steps.join('; ')}`);
});

test('no leak: linear memory that keeps growing per call is measured; a healthy op stays flat', async () => {
  const { memorySlopePerCall } = await import('../../harness/fuzz/leak.ts');
  const { openLane } = await import('../../harness/lanes/open-lane.ts');
  const { fixture, u64 } = await import('../helpers/plugins.ts');
  const leaky = await openLane(fixture('faulty'), { boundary: 'wasm-core', isolation: 'inproc' }, { trusted });
  const slope = await memorySlopePerCall(leaky, 'leak', [u64(4096)], 2000);
  assert.ok(slope !== undefined && slope > 3000, `leak of 4096 B/call measured as ${slope}`);
  const healthy = await openLane(fixture('textkit'), { boundary: 'wasm-core', isolation: 'inproc' }, { trusted });
  assert.is(await memorySlopePerCall(healthy, 'tokenize', [new TextEncoder().encode('some words to split')], 2000), 0);
  const native = await openLane(fixture('textkit'), { boundary: 'native', isolation: 'inproc' }, { trusted });
  assert.is(
    await memorySlopePerCall(native, 'echo', [new Uint8Array(8)]),
    undefined,
    'native lanes are not judged by RSS',
  );
  await Promise.all([leaky.close(), healthy.close(), native.close()]);
});

test.run();
