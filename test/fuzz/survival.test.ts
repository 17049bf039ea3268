import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSequences } from '../../harness/fuzz/stateful.ts';
import { packageRoot } from '../../harness/paths.ts';
import { sequenceLanes } from '../helpers/plugins.ts';

// `stuck` (fixtures/plugins/stuck): `spin` never returns, `boom` panics, `count` keeps state, `echo` behaves.
const scratch = mkdtempSync(join(tmpdir(), 'plugbench-survival-'));
const LANES = 'wasm-core@worker,native@process';

/** Runs the CLI in a child, killed after `boundMs`: a hang fails the test instead of hanging it. */
function cli(args: string[], boundMs: number): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  const bin = join(packageRoot, 'bin', 'plugbench.js');
  const child = spawn(process.execPath, [bin, ...args], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: performance.now() - started });
    }),
  );
}

/** Fails after `ms` instead of waiting forever (the lanes keep the event loop free). */
const within = <T>(ms: number, work: Promise<T>) => {
  const fail = (reject: (e: Error) => void) => reject(new Error(`still running after ${ms} ms`));
  const late = new Promise<never>((_, reject) => setTimeout(() => fail(reject), ms).unref());
  return Promise.race([work, late]);
};

test('fuzz --runs 20 on a plugin whose op never returns ends on its own, with the real findings only', async () => {
  // The default deadline (2 s): a shorter one is outlived by healthy calls on a loaded machine.
  const args = ['fuzz', '--plugin', 'stuck', '--runs', '20', '--seed', '4', '--lane', LANES];
  const where = ['--corpus', join(scratch, 'corpus'), '--out', join(scratch, 'out')];
  const { code, output, ms } = await cli([...args, ...where], 240_000);
  assert.is(code, 1, `exit 1 for the findings, not killed after ${Math.round(ms)} ms:\n${output.slice(-2000)}`);
  assert.match(output, /FOUND robustness on stuck spin \([^)]*, timeout\)/);
  assert.match(output, /FOUND robustness on stuck boom \([^)]*, panic\): panicked at /);
  const found = output.split('\n').filter((line) => line.startsWith('FOUND '));
  assert.is(found.length, 2, `no other finding (echo and count behave, the sequences agree):\n${found.join('\n')}`);
  const lanes = 'wasm-core@worker, wasm-component@worker, native@process';
  const note = '\\(left out spin, which outlived the deadline\\)';
  assert.match(output, new RegExp(`stuck init/call/shutdown sequences on ${lanes}: \\d+ runs ${note}, agree`));
});

test('fuzz --time 10s on it ends on its own too: a run fast-check gave up on stops at its next call', async () => {
  const args = ['fuzz', '--plugin', 'stuck', '--time', '10s', '--seed', '5', '--lane', LANES];
  const where = ['--corpus', join(scratch, 'corpus-timed'), '--out', join(scratch, 'out-timed')];
  const { code, output, ms } = await cli([...args, ...where], 150_000);
  assert.ok(code === 0 || code === 1, `not killed after ${Math.round(ms)} ms:\n${output.slice(-2000)}`);
  assert.match(output, /^fuzz: seed 5, /m);
  assert.not.match(output, /FOUND stateful/);
  assert.not.match(output, /internal error/);
});

test('a step that never returns is stopped by its deadline inside a sequence, which ends there unjudged', async () => {
  const lanes = await sequenceLanes('stuck', ['wasm-core', 'native']);
  try {
    const options = { runs: 8, seed: 2, deadlineMs: 300 };
    const report = await within(120_000, checkSequences(lanes, lanes[0]!.manifest.ops, options));
    assert.is(report.finding, undefined);
    assert.ok(report.limited >= 1, `a sequence reached spin: ${JSON.stringify(report)}`);
    const timedOut = lanes.map((l) => l.recycles.some((r) => r.cause === 'timeout'));
    assert.equal(timedOut, [true, true], 'each lane was replaced after its timeout');
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
  }
});

test('a panic in a sequence recycles every instance alike, so the calls after it agree: no false finding', async () => {
  const lanes = await sequenceLanes('stuck', ['wasm-core', 'wasm-component', 'native']);
  try {
    const ops = lanes[0]!.manifest.ops.filter((op) => op.name !== 'spin');
    const report = await within(120_000, checkSequences(lanes, ops, { runs: 30, seed: 11, deadlineMs: 5000 }));
    assert.is(report.finding, undefined, JSON.stringify(report.finding));
    assert.is(report.runs, 30);
    const causes = lanes.map((l) => [...new Set(l.recycles.map((r) => r.cause))]);
    assert.equal(causes, [['panic'], ['panic'], ['panic']], 'boom ran, and each lane recycled its instance after it');
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
  }
});

test('an error of the harness in a sequence is thrown, not reported as a disagreement', async () => {
  const lanes = await sequenceLanes('stuck', ['wasm-core', 'native']);
  await lanes[1]!.close();
  try {
    const echo = lanes[0]!.manifest.ops.filter((op) => op.name === 'echo');
    await checkSequences(lanes, echo, { runs: 5, seed: 1, deadlineMs: 5000 });
    assert.unreachable('a lane called after close is a harness bug');
  } catch (e) {
    assert.match((e as Error).message, /harness bug: lane native@process called after close/);
  } finally {
    await lanes[0]!.close();
  }
});

test.run();
