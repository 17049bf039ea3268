import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import { checkNativeAbi, checkWasmImports, negotiate } from '../../harness/contract/negotiation.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../../harness/contract/policy.ts';

const declared = { name: 'textkit', version: '0.1.0', abi: '1.0' };
const manifest = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    name: 'textkit',
    version: '0.1.0',
    abi: '1.0',
    ops: [{ name: 'echo', input: 'bytes' }],
    capabilities: ['log'],
    ...overrides,
  });

function refusal(fn: () => unknown): PluginLoadError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PluginLoadError) return e;
    throw e;
  }
  throw new Error('expected the load to be refused');
}

test('a valid manifest negotiates', () => {
  assert.equal(negotiate(manifest(), declared, DEFAULT_POLICY).name, 'textkit');
});

test('a newer minor or another major ABI is incompatible and says what the host speaks', () => {
  for (const abi of ['1.1', '2.0', '0.9']) {
    const e = refusal(() => negotiate(manifest({ abi }), { ...declared, abi }, DEFAULT_POLICY));
    assert.is(e.kind, 'incompatible');
    assert.match(e.message, `the manifest's \`abi\` ${abi} is not supported: this host speaks contract 1.0`);
  }
  assert.is(refusal(() => checkNativeAbi(0x0002_0000)).kind, 'incompatible');
  checkNativeAbi(0x0001_0000);
});

test('every problem is reported at once, each naming the field and the fix', () => {
  const e = refusal(() =>
    negotiate(
      manifest({ name: 'other', capabilities: ['net', 'log'], limits: { memoryBytes: 2 ** 34 } }),
      declared,
      DEFAULT_POLICY,
    ),
  );
  assert.is(e.kind, 'incompatible');
  assert.match(e.message, '`describe` says name `other` but plugin.json says `textkit`');
  assert.match(e.message, 'capability `net` is not part of the contract and is never granted');
  assert.match(e.message, '`limits.memoryBytes` 17179869184 exceeds the host quota');
  assert.is(e.message.split('\n').length, 3);
});

test('a capability the host withholds is refused with the flag that grants it', () => {
  const policy: HostPolicy = { ...DEFAULT_POLICY, grants: new Set(['clock']) };
  const e = refusal(() => negotiate(manifest(), declared, policy));
  // `--grant` lists the grants exactly, so the fix names what is granted already too.
  assert.match(e.message, 'capability `log` is not granted (granted: `clock`); grant it with `--grant clock,log`');
});

test('a malformed manifest is a protocol failure listing each schema problem', () => {
  const e = refusal(() =>
    negotiate(JSON.stringify({ name: 'x', abi: 1, ops: [], extra: true }), declared, DEFAULT_POLICY),
  );
  assert.is(e.kind, 'protocol');
  assert.match(e.message, "the manifest must have required property 'version'");
  assert.match(e.message, 'the manifest has unknown field `extra`');
  assert.match(e.message, '`/abi` must be string');
  assert.match(e.message, '`/ops` must NOT have fewer than 1 items');
  assert.is(refusal(() => negotiate('{not json', declared, DEFAULT_POLICY)).kind, 'protocol');
});

test('wasm imports are checked against the contract and the grant', () => {
  const host = 'plugbench:plugin/host@1.0.0';
  const caps = checkWasmImports(
    [
      { module: host, name: 'log', kind: 'function' },
      { module: host, name: 'panicked', kind: 'function' },
    ],
    DEFAULT_POLICY,
  );
  assert.equal([...caps], ['log']);
  const outside = refusal(() =>
    checkWasmImports([{ module: 'wasi_snapshot_preview1', name: 'fd_write', kind: 'function' }], DEFAULT_POLICY),
  );
  assert.match(outside.message, 'wasm import `wasi_snapshot_preview1::fd_write` (function) is outside the contract');
  const withheld = refusal(() =>
    checkWasmImports([{ module: host, name: 'now-ns', kind: 'function' }], {
      ...DEFAULT_POLICY,
      grants: new Set(['log']),
    }),
  );
  assert.match(withheld.message, 'wasm import `now-ns` needs capability `clock`, which the host does not grant');
});

test('imports a manifest does not declare are refused', () => {
  const e = refusal(() => negotiate(manifest({ capabilities: [] }), declared, DEFAULT_POLICY, new Set(['clock'])));
  assert.match(e.message, 'the module imports what capability `clock` covers but the manifest does not declare it');
});

test.run();
