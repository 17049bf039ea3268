import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../../bin/plugbench.js', import.meta.url));

test('--json: stdout holds only the results, even when a native plugin in the harness prints to stdout', () => {
  const out = mkdtempSync(join(tmpdir(), 'plugbench-json-'));
  const run = spawnSync(
    process.execPath,
    [
      bin,
      'run',
      '--plugin',
      'faulty',
      '--op',
      'chatter',
      '--lane',
      'native@inproc,native@worker',
      '--calls',
      '200',
      '--json',
      '--out',
      out,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.is(run.status, 0, run.stderr.slice(-2000));
  assert.match(run.stderr, 'faulty says hello on stdout', "the plugin's prints still reach a person, on stderr");
  const results = JSON.parse(run.stdout) as {
    verdict: string;
    scenarios: Array<{ lanes: Array<{ lane: string; load: { calls: number } }> }>;
  };
  assert.is(results.verdict, 'pass');
  assert.equal(
    results.scenarios[0]!.lanes.map((l) => [l.lane, l.load.calls]),
    [
      ['native@inproc', 200],
      ['native@worker', 200],
    ],
  );
});

test('a native plugin printing into a pipe nobody reads for a while waits, as in a service; it does not panic', async () => {
  const out = mkdtempSync(join(tmpdir(), 'plugbench-json-'));
  // 5000 calls print ~350 KB to stderr, far more than a pipe holds while it is not read.
  const child = spawn(
    process.execPath,
    [
      bin,
      'run',
      '--plugin',
      'faulty',
      '--op',
      'chatter',
      '--lane',
      'native@inproc',
      '--calls',
      '5000',
      '--json',
      '--out',
      out,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.pause();
  setTimeout(() => child.stderr.resume(), 1500);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const results = JSON.parse(stdout) as {
    scenarios: Array<{ lanes: Array<{ errors: Record<string, number>; load: { calls: number } }> }>;
  };
  assert.equal(
    results.scenarios[0]!.lanes[0]!.errors,
    {},
    'Node opens piped stdio non-blocking; a full pipe made println! panic',
  );
  assert.is(results.scenarios[0]!.lanes[0]!.load.calls, 5000);
  assert.is(code, 0);
});

test('a panic during calibration on an inproc lane is counted, not a harness error', () => {
  const out = mkdtempSync(join(tmpdir(), 'plugbench-json-'));
  const run = spawnSync(
    process.execPath,
    [
      bin,
      'run',
      '--plugin',
      'faulty',
      '--op',
      'panic',
      '--lane',
      'native@inproc,wasm-core@inproc',
      '--calls',
      '100',
      '--json',
      '--out',
      out,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.is(run.status, 1, run.stderr.slice(-2000));
  const results = JSON.parse(run.stdout) as {
    verdict: string;
    scenarios: Array<{ lanes: Array<{ errors: Record<string, number> }> }>;
  };
  assert.is(results.verdict, 'fail');
  assert.equal(
    results.scenarios[0]!.lanes.map((l) => l.errors),
    [{ panic: 100 }, { panic: 100 }],
  );
});

test.run();
