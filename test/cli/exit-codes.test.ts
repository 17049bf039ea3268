import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { quietly } from '../helpers/cli.ts';

const out = mkdtempSync(join(tmpdir(), 'plugbench-exit-'));

test('0: the gate passed', async () => {
  const { code } = await quietly([
    'run',
    '--plugin',
    'textkit',
    '--op',
    'echo',
    '--lane',
    'wasm-core@inproc',
    '--calls',
    '2000',
    '--threshold',
    'errors.rate == 0',
    '--out',
    join(out, 'pass'),
  ]);
  assert.is(code, 0);
  const results = JSON.parse(readFileSync(join(out, 'pass', 'results.json'), 'utf8'));
  assert.is(results.verdict, 'pass');
  assert.ok(results.gate.some((g: { metric: string }) => g.metric === 'errors.rate'));
});

test('1: a threshold failed, and the reason is printed', async () => {
  const { code, said } = await quietly([
    'run',
    '--plugin',
    'textkit',
    '--op',
    'echo',
    '--lane',
    'wasm-core@inproc',
    '--calls',
    '2000',
    '--threshold',
    'latency.p50 < 1ns',
    '--out',
    join(out, 'fail'),
  ]);
  assert.is(code, 1);
  assert.match(said, 'gate FAIL: textkit-echo wasm-core@inproc: latency.p50 =');
  const gated = await quietly(['gate', join(out, 'fail', 'results.json')]);
  assert.is(gated.code, 1);
});

test('1 for a fuzz finding, 0 when that property is named informational (still reported)', async () => {
  const args = [
    'fuzz',
    '--plugin',
    'lz-buggy',
    '--op',
    'decompress',
    '--lane',
    'wasm-core@inproc',
    '--runs',
    '300',
    '--seed',
    '1',
    '--corpus',
    join(out, 'corpus'),
  ];
  const failing = await quietly([...args, '--out', join(out, 'fuzz-fail')]);
  assert.is(failing.code, 1);
  const informational = await quietly([
    ...args,
    '--informational',
    'fuzz.lz-buggy.decompress',
    '--out',
    join(out, 'fuzz-info'),
  ]);
  assert.is(informational.code, 0);
  const results = JSON.parse(readFileSync(join(out, 'fuzz-info', 'results.json'), 'utf8'));
  assert.is(results.verdict, 'pass');
  assert.ok(results.fuzz.failures.length >= 1, 'the finding is still reported');
  assert.match(readFileSync(join(out, 'fuzz-info', 'junit.xml'), 'utf8'), 'skipped message="informational, failed');
  assert.match(readFileSync(join(out, 'fuzz-info', 'summary.md'), 'utf8'), '(informational: does not fail the run)');
});

test('2: the harness was used wrongly, and the message says how to fix it', async () => {
  const cases: Array<[string[], string]> = [
    [['run', '--plugin', 'textkit', '--op', 'echo', '--lane', 'wasm@inproc'], '`wasm@inproc` is not a lane'],
    [['run', '--plugin', 'nosuch', '--op', 'echo', '--lane', 'wasm-core@inproc'], 'no built plugin named `nosuch`'],
    [
      ['run', '--plugin', 'textkit', '--op', 'nosuch', '--lane', 'wasm-core@inproc', '--calls', '10'],
      'has no op `nosuch` (its ops: tokenize, wordfreq, echo)',
    ],
    [
      ['run', '--plugin', 'textkit', '--op', 'echo', '--lane', 'wasm-core@inproc', '--threshold', 'latency.p99 < 5'],
      'give `latency.p99` a unit',
    ],
    [
      [
        'run',
        '--plugin',
        'textkit',
        '--op',
        'echo',
        '--lane',
        'wasm-core@inproc',
        '--deadline-ms',
        '10',
        '--calls',
        '10',
      ],
      'cannot enforce one: a call on the harness',
    ],
    [['run', '--suite', 'weekly'], '`weekly` is not a suite'],
    [['frobnicate'], 'Unknown argument: frobnicate'],
    [['gate', join(out, 'missing.json')], 'cannot read results'],
    [
      [
        'fuzz',
        '--plugin',
        'textkit',
        '--op',
        'echo',
        '--lane',
        'wasm-core@inproc',
        '--replay',
        join(out, 'missing.bin'),
      ],
      `\`--replay ${join(out, 'missing.bin')}\`: there is no such file`,
    ],
    [
      ['build', '--coverage=deps'],
      '`--coverage=deps` is not a coverage scope: write `--coverage` (the plugin crate) or `--coverage=all`',
    ],
    [
      ['fuzz', '--plugin', 'planted', '--dict', join(out, 'missing.dict')],
      'missing.dict` cannot be read (ENOENT); give a dictionary file',
    ],
  ];
  for (const [argv, message] of cases) {
    const { code, said } = await quietly(argv);
    assert.is(code, 2, argv.join(' '));
    assert.match(said, message, argv.join(' '));
  }
});

test('3: the harness itself broke', async () => {
  const broken = join(out, 'broken.json');
  const results = JSON.parse(readFileSync(join(out, 'pass', 'results.json'), 'utf8'));
  results.scenarios[0].lanes[0].latency = null;
  writeFileSync(broken, JSON.stringify(results));
  const { code, said } = await quietly(['gate', broken]);
  assert.is(code, 3);
  assert.match(said, 'internal error');
});

test.run();
