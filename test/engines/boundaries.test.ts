import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallOutcome } from '../../harness/contract/errors.ts';
import { BOUNDARIES, type Boundary, type PluginInstance } from '../../harness/engines/instance.ts';
import { openInstance } from '../../harness/engines/open-instance.ts';
import { fixture, HEALTHY_FIXTURES, sampleInputs, trusted } from '../helpers/plugins.ts';

async function openAll(name: string): Promise<Record<Boundary, PluginInstance>> {
  const entries = await Promise.all(
    BOUNDARIES.map(async (b) => [b, await openInstance(fixture(name), b, { trusted })] as const),
  );
  for (const [, instance] of entries) assert.ok(instance.init('{}').ok);
  return Object.fromEntries(entries) as Record<Boundary, PluginInstance>;
}

const show = (o: CallOutcome) =>
  o.ok
    ? `ok ${Buffer.from(o.output).toString('hex').slice(0, 80)} (${o.output.length} B)`
    : `${o.failure.kind} ${'code' in o.failure ? o.failure.code : ''} ${o.failure.message}`;

for (const name of HEALTHY_FIXTURES) {
  test(`${name}: every op returns byte-identical results through all three boundaries`, async () => {
    const instances = await openAll(name);
    const { manifest } = instances['wasm-core'];
    assert.ok(
      manifest.ops.some((op) => op.name === 'echo'),
      'every fixture has an echo op',
    );
    for (const op of manifest.ops) {
      for (const input of sampleInputs(op.input)) {
        const [core, component, native] = BOUNDARIES.map((b) => instances[b].call(op.name, input));
        assert.is(show(component!), show(core!), `${op.name}: component differs from core`);
        assert.is(show(native!), show(core!), `${op.name}: native differs from core`);
        if (op.name === 'echo') assert.equal(core!.ok && [...core!.output], [...input]);
      }
    }
    for (const instance of Object.values(instances)) instance.close();
  });
}

test('hashkit agrees with node:crypto (SHA-256) and zlib.crc32 on every boundary', async () => {
  const instances = await openAll('hashkit');
  for (const input of [...sampleInputs('bytes'), ...sampleInputs('utf8')]) {
    const sha = createHash('sha256').update(input).digest('hex');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(input));
    for (const b of BOUNDARIES) {
      const digest = instances[b].call('sha256', input);
      assert.is(digest.ok && Buffer.from(digest.output).toString('hex'), sha, `${b} sha256`);
      const check = instances[b].call('crc32', input);
      assert.is(check.ok && Buffer.from(check.output).toString('hex'), crc.toString('hex'), `${b} crc32`);
    }
  }
});

test('an unknown op is the plugin error unsupported-op on every boundary', async () => {
  const instances = await openAll('textkit');
  for (const b of BOUNDARIES) {
    const outcome = instances[b].call('no-such-op', new Uint8Array());
    assert.is(!outcome.ok && outcome.failure.kind === 'plugin' && outcome.failure.code, 'unsupported-op', b);
  }
});

test('lz decompress of garbage is invalid-input, never a panic, on every boundary', async () => {
  const instances = await openAll('lz');
  for (const garbage of [
    new Uint8Array([1, 2, 3]),
    new Uint8Array(100).fill(255),
    new TextEncoder().encode('not a stream'),
  ]) {
    for (const b of BOUNDARIES) {
      const outcome = instances[b].call('decompress', garbage);
      assert.is(
        !outcome.ok && outcome.failure.kind === 'plugin' && outcome.failure.code,
        'invalid-input',
        `${b}: ${show(outcome)}`,
      );
    }
  }
});

test('a panic becomes kind panic with the message and location, on every boundary', async () => {
  const instances = await openAll('faulty');
  for (const b of BOUNDARIES) {
    const outcome = instances[b].call('panic', new Uint8Array());
    assert.is(!outcome.ok && outcome.failure.kind, 'panic', b);
    assert.match(!outcome.ok ? outcome.failure.message : '', /^panicked at faulty\/src\/lib\.rs:\d+:\d+: boom$/, b);
    assert.throws(() => instances[b].call('echo', new Uint8Array()), /called after it was poisoned by a panic/);
  }
});

test('an out-of-bounds access in wasm is a trap without a panic report', async () => {
  const instances = await openAll('faulty');
  for (const b of ['wasm-core', 'wasm-component'] as const) {
    const outcome = instances[b].call('segv', new Uint8Array());
    assert.is(!outcome.ok && outcome.failure.kind, 'trap', b);
    assert.match(!outcome.ok ? outcome.failure.message : '', /out of bounds/, b);
  }
});

test.run();
