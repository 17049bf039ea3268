import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runFuzz } from '../../harness/fuzz/run-fuzz.ts';
import { parseLanes } from '../../harness/lanes/registry.ts';
import { trusted } from '../helpers/plugins.ts';

const corpusDir = mkdtempSync(join(tmpdir(), 'plugbench-extism-corpus-'));
// The JavaScript SDK (in a worker) against the Go SDK, with a native lane that must be left out.
const lanes = parseLanes(['wasm-core@worker,wasm-core@go,native@process']);

test('a healthy stateful Extism plugin: nothing found comparing the JavaScript and the Go SDK call by call', async () => {
  const notes: string[] = [];
  const fuzz = await runFuzz({
    plugins: ['ext-counter'],
    lanes,
    trusted,
    seed: 7,
    runs: 60,
    corpusDir,
    progress: (line) => notes.push(line),
  });
  assert.equal(fuzz.failures, []);
  assert.equal(
    fuzz.properties.map((p) => `${p.op} ${p.status}`),
    ['count pass', 'greet pass'],
  );
  assert.ok(fuzz.properties.every((p) => p.property.includes('differential')));
  assert.ok(
    notes.some((n) => n.includes('left out native@process: not for Extism plugins')),
    notes.join('\n'),
  );
});

test("the faulty Extism plugin: each fault is found, and the SDKs' disagreement on a bare return code names both answers", async () => {
  const fuzz = await runFuzz({
    plugins: ['ext-faulty'],
    ops: ['code', 'panic', 'fragile', 'fail'],
    lanes,
    trusted,
    seed: 7,
    runs: 100,
    corpusDir,
    save: false,
  });
  const found = Object.fromEntries(fuzz.failures.map((f) => [f.op, f]));
  assert.equal(Object.keys(found).sort(), ['code', 'fragile', 'panic']);
  assert.is(found.panic!.kind, 'trap');
  assert.is(found.fragile!.kind, 'trap');
  assert.equal([...Buffer.from(found.fragile!.inputBase64, 'base64')], [0xff], 'shrunk to the one byte that matters');
  assert.is(found.code!.property, 'differential');
  assert.match(found.code!.message, 'wasm-core@worker gave ok');
  assert.match(found.code!.message, 'wasm-core@go gave plugin internal: `code` returned 7 without setting an error');
});

test.run();
