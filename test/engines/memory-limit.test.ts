import { parse } from '@bytecodealliance/jco';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import { limitMemory, WASM_PAGE_BYTES } from '../../harness/engines/memory-limit.ts';

async function memoryOf(wat: string, quotaBytes: number): Promise<WebAssembly.Memory> {
  const module = limitMemory(await parse(wat), quotaBytes);
  const { instance } = await WebAssembly.instantiate(module as BufferSource);
  return instance.exports.memory as WebAssembly.Memory;
}

test('a memory without a maximum grows only to the quota', async () => {
  const memory = await memoryOf('(module (memory (export "memory") 1) (func (export "f")))', 4 * WASM_PAGE_BYTES);
  memory.grow(3);
  assert.is(memory.buffer.byteLength, 4 * WASM_PAGE_BYTES);
  assert.throws(() => memory.grow(1), RangeError);
});

test('a smaller declared maximum is kept; a larger one is lowered to the quota', async () => {
  const small = await memoryOf('(module (memory (export "memory") 1 2))', 8 * WASM_PAGE_BYTES);
  assert.throws(() => small.grow(2), RangeError);
  const large = await memoryOf('(module (memory (export "memory") 1 1000))', 3 * WASM_PAGE_BYTES);
  large.grow(2);
  assert.throws(() => large.grow(1), RangeError);
});

test('an initial memory above the quota refuses the load', async () => {
  const module = await parse('(module (memory (export "memory") 10))');
  assert.throws(
    () => limitMemory(module, 2 * WASM_PAGE_BYTES),
    (e: unknown) =>
      e instanceof PluginLoadError &&
      /initial memory is 655360 bytes, more than the memory quota of 131072/.test(e.message),
  );
});

test('sections after the memory section survive the rewrite', async () => {
  const wat =
    '(module (memory (export "memory") 1) (global (export "g") i32 (i32.const 7)) (func (export "f") (result i32) i32.const 42))';
  const { instance } = await WebAssembly.instantiate(limitMemory(await parse(wat), 2 ** 30) as BufferSource);
  assert.is((instance.exports.f as () => number)(), 42);
  assert.is((instance.exports.g as WebAssembly.Global).value, 7);
});

test.run();
