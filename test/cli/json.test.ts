import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../../bin/plugbench.js', import.meta.url));

test('--json: stdout holds only the results, even when a native plugin in the harness prints to stdout', () => {
  const out = mkdtempSync(join(tmpdir(), 'plugbench-json-'));
  const run = spawnSync(process.execPath, [bin, 'run', '--plugin', 'faulty', '--op', 'chatter', '--lane', 'native@inproc,native@worker', '--calls', '200', '--json', '--out', out], { encoding: 'utf8', timeout: 120_000 });
  assert.is(run.status, 0, run.stderr.slice(-2000));
  assert.match(run.stderr, 'faulty says hello on stdout', "the plugin's prints still reach a person, on stderr");
  const results = JSON.parse(run.stdout) as { verdict: string; scenarios: Array<{ lanes: Array<{ lane: string; load: { calls: number } }> }> };
  assert.is(results.verdict, 'pass');
  assert.equal(results.scenarios[0]!.lanes.map((l) => [l.lane, l.load.calls]), [['native@inproc', 200], ['native@worker', 200]]);
});

test.run();
