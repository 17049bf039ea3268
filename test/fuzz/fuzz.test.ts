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
  assert.is(result.failures.length, 1);
  assert.is(result.failures[0]!.property, 'differential');
  assert.ok(Buffer.from(result.failures[0]!.inputBase64, 'base64').length <= 2, 'shrunk to the shortest disagreeing input');
});

test('healthy fixtures pass every property, oracles and round trips included, and report executions per second per lane', async () => {
  const result = await runFuzz({ plugins: ['hashkit', 'lz', 'textkit'], lanes, trusted, seed: 5, runs: 150, corpusDir });
  assert.equal(result.failures, [], JSON.stringify(result.failures));
  const sha = result.properties.find((p) => p.plugin === 'hashkit' && p.op === 'sha256')!;
  assert.match(sha.property, 'oracle');
  assert.match(result.properties.find((p) => p.plugin === 'lz' && p.op === 'compress')!.property, 'round-trip');
  for (const p of result.properties) assert.equal(Object.keys(p.execsPerSecByLane).sort(), ['native@process', 'wasm-core@worker']);
});

test.run();
