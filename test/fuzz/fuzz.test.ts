import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCorpus } from '../../harness/fuzz/corpus.ts';
import { runFuzz } from '../../harness/fuzz/run-fuzz.ts';
import { parseLanes } from '../../harness/lanes/lane.ts';
import { trusted } from '../helpers/plugins.ts';

const corpusDir = mkdtempSync(join(tmpdir(), 'plugbench-corpus-'));
const lanes = parseLanes(['wasm-core@worker,native@process']);

test('the planted bug in lz-buggy is found, shrunk, saved, replayed by its command, and replayed first next time', async () => {
  const first = await runFuzz({ plugins: ['lz-buggy'], ops: ['decompress'], lanes, trusted, seed: 42, runs: 2000, corpusDir });
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
  const replayed = await runFuzz({ plugins: ['lz-buggy'], ops: ['decompress'], lanes, trusted, seed: 1, replayFile: file, corpusDir });
  assert.is(replayed.failures[0]?.kind, 'panic');

  const again = await runFuzz({ plugins: ['lz-buggy'], ops: ['decompress'], lanes, trusted, seed: 7, runs: 2000, corpusDir });
  assert.is(again.properties[0]!.runs, 1, 'the corpus entry fails on the first run');
  assert.is(loadCorpus('lz-buggy', 'decompress', corpusDir).length, 1, 'the same finding is not saved twice');
});

test('the differential property catches builds that disagree (usize is 32 bits on wasm32, 64 on x86_64)', async () => {
  const result = await runFuzz({ plugins: ['usize-hash'], ops: ['hash'], lanes: parseLanes(['wasm-core@inproc,native@inproc']), trusted, seed: 3, runs: 200, corpusDir, save: false });
  const differential = result.failures.filter((f) => f.property === 'differential');
  assert.is(differential.length, 1);
  assert.ok(Buffer.from(differential[0]!.inputBase64, 'base64').length <= 2, 'shrunk to the shortest disagreeing input');
  assert.ok(result.failures.some((f) => f.property === 'stateful'), 'the sequences disagree too');
});

test('healthy fixtures pass every property, oracles and round trips included, and report executions per second per lane', async () => {
  const result = await runFuzz({ plugins: ['hashkit', 'lz', 'textkit'], lanes, trusted, seed: 5, runs: 150, corpusDir });
  assert.equal(result.failures, [], JSON.stringify(result.failures));
  const sha = result.properties.find((p) => p.plugin === 'hashkit' && p.op === 'sha256')!;
  assert.match(sha.property, 'oracle');
  assert.match(result.properties.find((p) => p.plugin === 'lz' && p.op === 'compress')!.property, 'round-trip');
  for (const p of result.properties.filter((p) => p.property !== 'stateful')) assert.equal(Object.keys(p.execsPerSecByLane).sort(), ['native@process', 'wasm-core@worker']);
  assert.equal(result.properties.filter((p) => p.property === 'stateful').map((p) => p.status), ['pass', 'pass', 'pass']);
});

test('init/call/shutdown sequences agree across boundaries for textkit, and the shrunk disagreement of usize-hash is reported', async () => {
  const { checkSequences } = await import('../../harness/fuzz/stateful.ts');
  const { openInstance } = await import('../../harness/lanes/open-instance.ts');
  const { fixture } = await import('../helpers/plugins.ts');
  const manifestOf = async (name: string) => (await openInstance(fixture(name), 'wasm-core', { trusted })).manifest;
  assert.is(await checkSequences(fixture('textkit'), await manifestOf('textkit'), ['wasm-core', 'wasm-component', 'native'], trusted, { runs: 25, seed: 9 }), undefined);
  const found = await checkSequences(fixture('usize-hash'), await manifestOf('usize-hash'), ['wasm-core', 'native'], trusted, { runs: 50, seed: 9 });
  assert.match(found ?? '', /call\(hash, \d+ B\): wasm-core ok .* native ok/);
});

test('no leak: linear memory that keeps growing per call is measured; a healthy op stays flat', async () => {
  const { memorySlopePerCall } = await import('../../harness/fuzz/leak.ts');
  const { openLane } = await import('../../harness/isolation/open-lane.ts');
  const { fixture, u64 } = await import('../helpers/plugins.ts');
  const leaky = await openLane(fixture('faulty'), { boundary: 'wasm-core', isolation: 'inproc' }, { trusted });
  const slope = await memorySlopePerCall(leaky, 'leak', [u64(4096)], 2000);
  assert.ok(slope !== undefined && slope > 3000, `leak of 4096 B/call measured as ${slope}`);
  const healthy = await openLane(fixture('textkit'), { boundary: 'wasm-core', isolation: 'inproc' }, { trusted });
  assert.is(await memorySlopePerCall(healthy, 'tokenize', [new TextEncoder().encode('some words to split')], 2000), 0);
  const native = await openLane(fixture('textkit'), { boundary: 'native', isolation: 'inproc' }, { trusted });
  assert.is(await memorySlopePerCall(native, 'echo', [new Uint8Array(8)]), undefined, 'native lanes are not judged by RSS');
  await Promise.all([leaky.close(), healthy.close(), native.close()]);
});

test.run();
