import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkExtismImports, defaultOps, extismConfig } from '../../harness/abi/extism.ts';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import type { Capability } from '../../harness/contract/policy.ts';

const fn = (module: string, name: string) => ({ module, name, kind: 'function' as const });
const env = (name: string) => fn('extism:host/env', name);
const policy = (...grants: Capability[]) => ({
  grants: new Set(grants),
  quotas: { memoryBytes: 1 << 26, callTimeoutMs: 1000 },
});
const plain = { ops: [{ name: 'run', input: 'bytes' as const }], wasi: false };
const refusal = (run: () => unknown) => {
  try {
    run();
    return 'accepted';
  } catch (e) {
    assert.instance(e, PluginLoadError);
    return `${(e as PluginLoadError).kind}: ${(e as Error).message}`;
  }
};

test('the kernel is always there; log_* and get_log_level need `log`, WASI clocks need `clock`', () => {
  const kernel = ['input_length', 'input_load_u64', 'output_set', 'error_set', 'alloc', 'var_get', 'config_get'].map(
    env,
  );
  assert.equal([...checkExtismImports(kernel, plain, policy())], []);
  assert.equal(
    [...checkExtismImports([...kernel, env('log_info'), env('get_log_level')], plain, policy('log'))],
    ['log'],
  );
  assert.match(
    refusal(() => checkExtismImports([env('log_warn')], plain, policy('clock'))),
    'incompatible: import `log_warn` needs capability `log`',
  );
  const wasi = { ...plain, wasi: true };
  assert.equal(
    [
      ...checkExtismImports(
        [fn('wasi_snapshot_preview1', 'fd_write'), fn('wasi_snapshot_preview1', 'clock_time_get')],
        wasi,
        policy('clock'),
      ),
    ],
    ['clock'],
  );
});

test('http_request is never granted, WASI only for a WASI plugin, and anything else is refused, all problems at once', () => {
  const message = refusal(() =>
    checkExtismImports(
      [env('http_request'), fn('wasi_snapshot_preview1', 'fd_write'), fn('env', 'abort'), env('made_up')],
      plain,
      policy('log', 'clock'),
    ),
  );
  assert.match(message, 'incompatible: import `extism:host/env::http_request`: plugbench never grants HTTP');
  assert.match(message, '`wasi_snapshot_preview1::fd_write` (function) is outside the Extism ABI');
  assert.match(message, '`env::abort` (function) is outside the Extism ABI');
  assert.match(message, '`extism:host/env::made_up` is not part of the Extism kernel');
});

test('default ops leave out what belongs to a runtime; config values that are not strings become JSON text', () => {
  const exports = [
    'count',
    '_start',
    '_initialize',
    '__wasm_call_ctors',
    'cabi_realloc',
    'asyncify_start_unwind',
    'malloc',
    'greet',
  ];
  const described = [
    ...exports.map((name) => ({ name, kind: 'function' as const })),
    { name: 'memory', kind: 'memory' as const },
  ];
  assert.equal(defaultOps(described), ['count', '_start', 'greet']);
  assert.equal(extismConfig('{"greeting":"hi","n":3,"o":{"a": [1]}}'), { greeting: 'hi', n: '3', o: '{"a":[1]}' });
});

test.run();
