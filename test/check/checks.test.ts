import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks } from '../../harness/check/run-checks.ts';
import { allLanes } from '../../harness/lanes/registry.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

test('the safety matrix holds on every lane, and only what a lane cannot enforce is unsupported', async () => {
  const plugins = {
    faulty: fixture('faulty'),
    liar: fixture('liar'),
    healthy: fixture('textkit'),
    abiFuture: fixture('abi-future'),
    greedy: fixture('greedy'),
  };
  const { checks, figures } = await runChecks({ lanes: allLanes(), plugins, trusted });
  const failed = checks.filter((c) => c.status === 'fail');
  assert.equal(failed, [], failed.map((c) => `${c.lane} ${c.id}: ${c.detail}`).join('\n'));

  const unsupported = new Set(checks.filter((c) => c.status === 'unsupported').map((c) => `${c.lane} ${c.id}`));
  for (const lane of ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc', 'native@worker']) {
    assert.ok(unsupported.has(`${lane} fault.spin`), `${lane} cannot enforce a deadline`);
  }
  for (const lane of ['native@inproc', 'native@worker']) {
    for (const fault of ['segv', 'abort', 'escape', 'recurse', 'hog'])
      assert.ok(unsupported.has(`${lane} fault.${fault}`), `${lane} ${fault}`);
  }
  for (const lane of [
    'wasm-core@worker',
    'wasm-core@process',
    'wasm-component@worker',
    'wasm-component@process',
    'native@process',
    'wasm-core@go',
    'native@go',
  ]) {
    for (const id of [
      'fault.panic',
      'fault.segv',
      'fault.abort',
      'fault.recurse',
      'fault.hog',
      'fault.spin',
      'deadline.repeated',
    ]) {
      assert.ok(!unsupported.has(`${lane} ${id}`), `${lane} ${id} must be enforced`);
    }
  }
  const unsupportedWithoutReason = checks.filter((c) => c.status === 'unsupported' && c.detail.length < 20);
  assert.equal(unsupportedWithoutReason, []);

  assert.equal(
    checks.filter((c) => c.lane.endsWith('@go') && c.status === 'unsupported'),
    [],
    'the Go host enforces everything',
  );
  for (const lane of ['native@process', 'native@go']) {
    const native = checks.filter((c) => c.lane === lane);
    assert.match(native.find((c) => c.id === 'fault.segv')!.detail, 'killed by SIGSEGV', lane);
    assert.match(native.find((c) => c.id === 'fault.abort')!.detail, 'killed by SIGABRT', lane);
    assert.match(native.find((c) => c.id === 'fault.hog')!.detail, 'memory allocation of', lane);
  }

  for (const figure of figures.filter((f) => f.overshootMs.length > 0)) {
    assert.is(figure.overshootMs.length, 3, `${figure.lane}: the first spin and the two after it time out`);
    assert.ok(
      figure.recycles.some((r) => r.cause === 'timeout'),
      `${figure.lane} recycled after a timeout`,
    );
  }
});

test('a plugin under test: loads, answers every op with ok or its own error, and its tampered copy is refused; a liar fails', async () => {
  const { checkPlugin } = await import('../../harness/check/run-checks.ts');
  const { parseLanes } = await import('../../harness/lanes/registry.ts');
  const lanes = parseLanes(['wasm-core@inproc,native@process']);
  const healthy = await checkPlugin(fixture('textkit'), lanes, trusted);
  assert.equal(
    healthy.filter((c) => c.status !== 'pass'),
    [],
  );
  assert.equal([...new Set(healthy.map((c) => c.id))].sort(), [
    'contract.echo',
    'contract.tokenize',
    'contract.wordfreq',
    'load',
    'load.tampered',
  ]);
  const liar = await checkPlugin(fixture('liar'), lanes, trusted);
  const failed = liar
    .filter((c) => c.status === 'fail')
    .map((c) => `${c.lane} ${c.id}`)
    .sort();
  assert.equal(failed, [
    'native@process contract.bad-code',
    'native@process contract.bad-length',
    'native@process contract.bad-pointer',
    'native@process contract.bad-utf8',
    'wasm-core@inproc contract.bad-code',
    'wasm-core@inproc contract.bad-length',
    'wasm-core@inproc contract.bad-pointer',
    'wasm-core@inproc contract.bad-utf8',
  ]);
});

test.run();
