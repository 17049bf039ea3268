import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeResultReturn, decodeStringReturn, ProtocolViolation } from '../../harness/engines/canonical.ts';

function memoryWith(writes: (view: DataView) => void, size = 256): ArrayBuffer {
  const buffer = new ArrayBuffer(size);
  writes(new DataView(buffer));
  return buffer;
}

function violation(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolViolation) return e.message;
    throw e;
  }
  throw new Error('expected a protocol violation');
}

test('an ok result is read from its pointer and length', () => {
  const memory = memoryWith((v) => {
    v.setUint8(0, 0);
    v.setUint32(4, 100, true);
    v.setUint32(8, 3, true);
    v.setUint8(100, 7);
  });
  const outcome = decodeResultReturn(memory, 0, true, 1024);
  assert.ok(outcome.ok);
  assert.equal([...(outcome as { output: Uint8Array }).output], [7, 0, 0]);
});

test('an error result carries the code by its WIT index and the message', () => {
  const memory = memoryWith((v) => {
    v.setUint8(0, 1);
    v.setUint8(4, 1);
    v.setUint32(8, 64, true);
    v.setUint32(12, 2, true);
    v.setUint8(64, 0x68);
    v.setUint8(65, 0x69);
  });
  assert.equal(decodeResultReturn(memory, 0, true, 1024), {
    ok: false,
    failure: { kind: 'plugin', code: 'unsupported-op', message: 'hi' },
  });
});

test('lies are protocol violations that say what was wrong', () => {
  const outOfBounds = memoryWith((v) => (v.setUint32(4, 200, true), v.setUint32(8, 100, true)));
  assert.match(
    violation(() => decodeResultReturn(outOfBounds, 0, true, 1024)),
    'the output at [200, 300) lies outside linear memory of 256 bytes',
  );
  const tooLong = memoryWith((v) => v.setUint32(8, 100, true));
  assert.match(
    violation(() => decodeResultReturn(tooLong, 0, true, 10)),
    'the output is 100 bytes, past the output limit of 10',
  );
  const badCode = memoryWith((v) => (v.setUint8(0, 1), v.setUint8(4, 9)));
  assert.match(
    violation(() => decodeResultReturn(badCode, 0, true, 1024)),
    'error code 9 is not one of 0..3',
  );
  const badDiscriminant = memoryWith((v) => v.setUint8(0, 2));
  assert.match(
    violation(() => decodeResultReturn(badDiscriminant, 0, true, 1024)),
    'result discriminant 2',
  );
  const badUtf8 = memoryWith((v) => (v.setUint32(0, 16, true), v.setUint32(4, 1, true), v.setUint8(16, 0xff)));
  assert.match(
    violation(() => decodeStringReturn(badUtf8, 0, 1024, 'the manifest')),
    'the manifest is not valid UTF-8',
  );
  assert.match(
    violation(() => decodeResultReturn(new ArrayBuffer(8), 0, true, 1024)),
    'the return area',
  );
});

test('any memory and return pointer decode to a result or a protocol violation, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 128 }), fc.nat(160), fc.boolean(), (bytes, retptr, hasOk) => {
      const memory = new Uint8Array(bytes).buffer;
      try {
        const outcome = decodeResultReturn(memory, retptr, hasOk, 64);
        if (outcome.ok) assert.ok(outcome.output.byteOffset + outcome.output.length <= memory.byteLength);
      } catch (e) {
        if (!(e instanceof ProtocolViolation)) throw e;
      }
    }),
    { numRuns: 2000, seed: 42 },
  );
});

test.run();
