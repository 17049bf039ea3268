import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsCompareTable } from '../../harness/coverage/compare-table.ts';
import { CoverageMap } from '../../harness/coverage/coverage-map.ts';
import { readDictionaryFile, wordsOfBinary } from '../../harness/fuzz/coverage/dictionary.ts';
import { ExecSlot, openSlotWriter } from '../../harness/coverage/exec-slot.ts';
import { Mutator } from '../../harness/coverage/mutator.ts';
import { shrinkBytes } from '../../harness/fuzz/coverage/shrink-bytes.ts';
import { seededRandom } from '../../harness/random.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

test('a logged compare puts the wanted operand where the other one sits in the input (a 4-byte magic in one step)', () => {
  const table = new JsCompareTable();
  table.record(0x04030201, 0x39584250, 4);
  const mutator = new Mutator(seededRandom(1), [], () => table, 64);
  const corpus = [new Uint8Array([1, 2, 3, 4, 5, 6])];
  const outputs = Array.from({ length: 500 }, () => hex(mutator.next(corpus, 64)));
  assert.ok(
    outputs.some((o) => o.startsWith('50425839')),
    'the magic replaced the bytes it was compared with',
  );
  assert.ok(
    outputs.every((o) => o.length <= 128),
    'no input past the length limit',
  );
});

test('the coverage map keeps an input that reaches a new edge or a new hit-count bucket, and zeroes the counters', () => {
  const map = new CoverageMap();
  const counters = new Uint8Array([0, 1, 0, 3]);
  assert.ok(map.absorb(counters));
  assert.equal([...counters], [0, 0, 0, 0]);
  assert.not.ok(map.absorb(new Uint8Array([0, 1, 0, 3])), 'the same again is nothing new');
  assert.ok(map.absorb(new Uint8Array([0, 1, 0, 9])), 'a loop run more often is');
  assert.equal([map.edgesSeen, map.edgesTotal], [2, 4]);
});

test('dictionaries: printable runs of a binary, and AFL-format files with escapes; a bad line is named', () => {
  assert.equal(wordsOfBinary(new Uint8Array([0, ...Buffer.from('PBX9'), 1, ...Buffer.from('ab'), 0])).map(hex), [
    hex(Buffer.from('PBX9')),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'plugbench-dict-'));
  writeFileSync(join(dir, 'ok.dict'), '# comment\nmagic="PBX9"\n"\\xC3\\x81"\n');
  assert.equal(readDictionaryFile(join(dir, 'ok.dict')).map(hex), ['50425839', 'c381']);
  writeFileSync(join(dir, 'bad.dict'), 'magic=PBX9\n');
  assert.throws(
    () => readDictionaryFile(join(dir, 'bad.dict')),
    /`--dict .*bad\.dict` has lines that are not `"word"` or `name="word"`:\nline 1: `magic=PBX9`/,
  );
});

test('byte-level shrinking removes whole records and lowers bytes while the failure stays', async () => {
  const fails = async (input: Uint8Array) => hex(input).includes('c381');
  const { input } = await shrinkBytes(new Uint8Array([5, 0, 0xc3, 0x81, 7, 7]), fails);
  assert.is(hex(input), 'c381');
});

test('the exec slot survives its writer: the supervisor reads the input being executed (shared memory and mmapped file)', async () => {
  for (const isolation of ['worker', 'process'] as const) {
    const slot = new ExecSlot(isolation);
    const writer = await openSlotWriter(slot.handle);
    writer.begin(new Uint8Array([1, 2, 3]));
    assert.equal({ ...slot.read(), input: [...slot.read().input] }, { execs: 1, inCall: true, input: [1, 2, 3] });
    writer.end();
    assert.is(slot.read().inCall, false);
    slot.dispose();
  }
});

test.run();
