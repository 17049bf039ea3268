import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { anyText } from '../../harness/fuzz/arbitraries.ts';

const strict = new TextDecoder('utf-8', { fatal: true });

test('anyText draws valid UTF-8 over all of Unicode: astral planes and the top of the BMP, never a surrogate', () => {
  const texts = fc.sample(anyText, { numRuns: 2000, seed: 7 }).map((bytes) => strict.decode(bytes));
  const codePoints = texts.flatMap((t) => [...t].map((c) => c.codePointAt(0)!));
  assert.ok(
    codePoints.some((cp) => cp > 0xffff),
    'astral code points',
  );
  assert.ok(
    codePoints.some((cp) => cp >= 0xe000 && cp <= 0xffff),
    'code points just past the surrogates',
  );
  assert.ok(
    codePoints.some((cp) => cp < 0x80),
    'ASCII',
  );
  assert.not.ok(
    codePoints.some((cp) => cp >= 0xd800 && cp < 0xe000),
    'no surrogate',
  );
});

test("anyText shrinks as fast-check's own binary unit does: 20 bytes of UTF-8 at least is five U+10000", () => {
  const details = fc.check(
    fc.property(anyText, (bytes) => bytes.length < 20),
    { seed: 3 },
  );
  assert.ok(details.failed);
  assert.is(strict.decode(details.counterexample![0] as Uint8Array), '\u{10000}'.repeat(5));
});

test.run();
