import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LinearMemory } from '../../harness/engines/linear-memory.ts';
import { openInstance } from '../../harness/engines/open-instance.ts';
import { WASM_PAGE_BYTES } from '../../harness/engines/memory-limit.ts';
import { fixture, trusted, u64 } from '../helpers/plugins.ts';

test('the views follow memory.grow: same objects until the buffer is replaced, then the whole new memory', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const linear = new LinearMemory(memory);
  const before = linear.bytes;
  assert.is(linear.bytes, before, 'no new view while the buffer stands');
  memory.grow(2);
  assert.is(linear.byteLength, 3 * WASM_PAGE_BYTES);
  assert.is(linear.bytes.length, 3 * WASM_PAGE_BYTES);
  assert.is(linear.data.byteLength, 3 * WASM_PAGE_BYTES);
  linear.bytes[3 * WASM_PAGE_BYTES - 1] = 7;
  assert.is(new Uint8Array(memory.buffer)[3 * WASM_PAGE_BYTES - 1], 7, 'writes land in the live buffer');
});

test('wasm-core: calls after the plugin grew its memory read and write the grown memory', async () => {
  const instance = await openInstance(fixture('faulty'), 'wasm-core', { trusted });
  assert.ok(instance.init('{}').ok);
  const input = new Uint8Array(4096).map((_, i) => i % 251);
  for (let i = 0; i < 8; i++) {
    const grownFrom = instance.memoryBytes()!;
    // Each leak of 1 MiB makes the plugin grow its memory, replacing the buffer the views were made on.
    assert.ok(instance.call('leak', u64(1 << 20)).ok);
    assert.ok(instance.memoryBytes()! > grownFrom, 'the leak grew linear memory');
    const echo = instance.call('echo', input);
    assert.ok(echo.ok, echo.ok ? '' : echo.failure.message);
    assert.equal([...echo.output], [...input]);
  }
  instance.close();
});

test.run();
