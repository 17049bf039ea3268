import fc from 'fast-check';
import type { InputKind } from '../contract/manifest.ts';

const utf8 = new TextEncoder();

/** Any bytes, up to 4 KiB. */
export const anyBytes = fc.uint8Array({ maxLength: 4096 });

const SURROGATES_START = 0xd800;
const SURROGATE_COUNT = 0x800;

/**
 * One Unicode scalar value (any code point but a surrogate), as `unit: 'binary'` draws them.
 * fast-check's own binary unit keeps a reverse map of all 1.1 M code points (~86 MB of heap,
 * for the life of the process); this one maps a code point back by arithmetic instead.
 */
const anyScalar = fc.integer({ min: 0, max: 0x10ffff - SURROGATE_COUNT }).map(
  (n) => String.fromCodePoint(n < SURROGATES_START ? n : n + SURROGATE_COUNT),
  (value) => {
    const cp = typeof value === 'string' && value.length <= 2 ? value.codePointAt(0) : undefined;
    const surrogate = cp !== undefined && cp >= SURROGATES_START && cp < SURROGATES_START + SURROGATE_COUNT;
    if (cp === undefined || surrogate || String.fromCodePoint(cp) !== value)
      throw new Error('not one Unicode scalar value');
    return cp < SURROGATES_START ? cp : cp - SURROGATE_COUNT;
  },
);

/** Text over all of Unicode (astral planes included), as UTF-8. */
export const anyText = fc.string({ unit: anyScalar, maxLength: 512 }).map((s) => utf8.encode(s));

function header(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, width, true);
  view.setUint32(4, height, true);
  return bytes;
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

/** RGBA images with valid headers, and with corrupted ones (lying sizes, huge dimensions, short pixels). */
export const anyImage = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ w: fc.integer({ min: 0, max: 24 }), h: fc.integer({ min: 0, max: 24 }) })
      .chain(({ w, h }) =>
        fc.uint8Array({ minLength: w * h * 4, maxLength: w * h * 4 }).map((px) => concat(header(w, h), px)),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ w: fc.nat(), h: fc.nat(), px: fc.uint8Array({ maxLength: 256 }) })
      .map(({ w, h, px }) => concat(header(w, h), px)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) },
);

/** Small numbers as 8-byte little-endian u64 (ops like `slow` take milliseconds). */
export const anyU64 = fc.nat({ max: 64 }).map((n) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(n), true);
  return bytes;
});

/** The default arbitrary for an op, from its manifest's input kind. */
export function arbitraryFor(kind: InputKind): fc.Arbitrary<Uint8Array> {
  return { bytes: anyBytes, utf8: anyText, image: anyImage, u64: anyU64 }[kind];
}

/**
 * Streams in the `lz` format built token by token: literal runs and back-references whose
 * offsets and lengths are plausible, then sometimes a byte mutated. Random bytes almost
 * never get past the header; these reach the decoder's inner paths.
 */
export const lzStream = fc
  .array(
    fc.oneof(
      fc.record({ literal: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
      fc.record({ offset: fc.integer({ min: 1, max: 40 }), length: fc.integer({ min: 4, max: 40 }) }),
    ),
    { maxLength: 24 },
  )
  .chain((tokens) => {
    const parts: number[] = [];
    let decoded = 0;
    for (const token of tokens) {
      if ('literal' in token) {
        parts.push(token.literal.length - 1, ...token.literal);
        decoded += token.literal.length;
      } else if (token.offset <= decoded) {
        parts.push(0x80 | (token.length - 4), token.offset & 0xff, token.offset >> 8);
        decoded += token.length;
      }
    }
    const stream = concat(header(decoded, 0).subarray(0, 4), new Uint8Array(parts));
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant(stream) },
      {
        weight: 1,
        arbitrary: fc
          .record({ at: fc.nat({ max: Math.max(0, stream.length - 1) }), value: fc.integer({ min: 0, max: 255 }) })
          .map(({ at, value }) => stream.map((b, i) => (i === at ? value : b))),
      },
    );
  });
