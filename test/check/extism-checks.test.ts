import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extismChecks } from '../../harness/check/extism-checks.ts';
import type { CheckFigures, CheckOptions } from '../../harness/check/check-steps.ts';
import { DEFAULT_POLICY } from '../../harness/contract/policy.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

const dirs = { faulty: fixture('ext-faulty'), healthy: fixture('ext-textkit') };
const policy = { ...DEFAULT_POLICY, quotas: { ...DEFAULT_POLICY.quotas, memoryBytes: 64 * 1024 * 1024 } };
const options = { trusted } as unknown as CheckOptions;

test('the Extism rows of the safety matrix hold on every wasm-core lane; only what a lane cannot do is unsupported', async () => {
  const rows = [];
  for (const lane of ['wasm-core@inproc', 'wasm-core@worker', 'wasm-core@process', 'wasm-core@go']) {
    const figure: CheckFigures = { lane, overshootMs: [], recycles: [] };
    rows.push(...(await extismChecks(parseLane(lane), dirs, options, policy, figure)));
    const causes = figure.recycles.map((r) => r.cause);
    assert.ok(
      causes.includes('trap') && causes.includes('resource-exhausted'),
      `${lane} replaced its instance after the trap and the exhaustion: ${causes}`,
    );
  }
  const failed = rows.filter((r) => r.status === 'fail');
  assert.equal(failed, [], failed.map((r) => `${r.lane} ${r.id}: ${r.detail}`).join('\n'));
  const unsupported = rows
    .filter((r) => r.status === 'unsupported')
    .map((r) => `${r.lane} ${r.id}`)
    .sort();
  assert.equal(unsupported, [
    'wasm-core@inproc extism.fault.code',
    'wasm-core@inproc extism.fault.spin',
    'wasm-core@process extism.fault.code',
    'wasm-core@worker extism.fault.code',
  ]);
  const passed = new Set(rows.filter((r) => r.status === 'pass').map((r) => `${r.lane} ${r.id}`));
  for (const lane of ['wasm-core@worker', 'wasm-core@process', 'wasm-core@go']) {
    for (const id of [
      'fault.fail',
      'fault.panic',
      'fault.hog',
      'fault.spin',
      'recovery.panic',
      'recovery.hog',
      'recovery.spin',
      'load.tampered',
      'load.http',
    ]) {
      assert.ok(passed.has(`${lane} extism.${id}`), `${lane} extism.${id}`);
    }
  }
  assert.ok(passed.has('wasm-core@go extism.fault.code'), 'the Go SDK hands over a bare return code');
});

test('lanes that do not run Extism plugins say so in every Extism row', async () => {
  for (const lane of ['wasm-component@inproc', 'native@process']) {
    const rows = await extismChecks(parseLane(lane), dirs, options, policy, { lane, overshootMs: [], recycles: [] });
    assert.ok(rows.length >= 7);
    assert.ok(
      rows.every((r) => r.status === 'unsupported' && r.detail.startsWith('not for Extism plugins')),
      lane,
    );
  }
});

test.run();
