import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { UsageError } from '../contract/errors.ts';
import type { InputKind } from '../contract/manifest.ts';
import { seededRandom } from '../random.ts';

/** Where a scenario's inputs come from. */
export type InputSpec =
  /** Inputs of this many bytes, made for the op's input kind. */
  | { sizeBytes: number }
  /** One input of each size, used in turn. */
  | { sizesBytes: number[] }
  /** Inputs drawn from a fast-check arbitrary (seeded, so runs repeat). */
  | { arbitrary: fc.Arbitrary<Uint8Array>; count?: number }
  /** The bytes of these files, used in turn. */
  | { files: string[] }
  /** Exactly these inputs, used in turn. */
  | { bytes: Uint8Array[] };

const WORDS = [
  'plugin',
  'boundary',
  'Latency',
  'wasm',
  'native',
  'Größe',
  'naïve',
  'ЖУРНАЛ',
  '日本',
  'crab🦀',
  'p99',
  'queue',
  'the',
  'a',
  'histogram',
];

/** An input of about `size` bytes for an op of this kind. */
export function makeInput(kind: InputKind, size: number, seed = 1): Uint8Array {
  const next = seededRandom(seed);
  switch (kind) {
    case 'utf8': {
      let text = '';
      while (Buffer.byteLength(text) < size)
        text += `${WORDS[Math.floor(next() * WORDS.length)]}${next() < 0.15 ? '. ' : ' '}`;
      const bytes = Buffer.from(text);
      // Cut at a character boundary, never inside a multi-byte sequence.
      let end = Math.min(size, bytes.length);
      while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
      return new Uint8Array(bytes.subarray(0, end));
    }
    case 'image': {
      const pixels = Math.max(1, Math.floor(Math.max(0, size - 8) / 4));
      const width = Math.max(1, Math.floor(Math.sqrt(pixels)));
      const height = Math.max(1, Math.floor(pixels / width));
      const bytes = new Uint8Array(8 + width * height * 4);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, width, true);
      view.setUint32(4, height, true);
      for (let i = 8; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
      return bytes;
    }
    case 'u64': {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(size), true);
      return bytes;
    }
    case 'bytes': {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = Math.floor(next() * 256);
      return bytes;
    }
  }
}

/** A pool of inputs, made before measuring so generation never lands on the timed path. */
export function inputPool(kind: InputKind, spec: InputSpec, seed = 1): Uint8Array[] {
  if ('sizeBytes' in spec) return [makeInput(kind, spec.sizeBytes, seed)];
  if ('sizesBytes' in spec) return spec.sizesBytes.map((size, i) => makeInput(kind, size, seed + i));
  if ('bytes' in spec) return spec.bytes;
  if ('files' in spec) {
    return spec.files.map((file) => {
      try {
        return new Uint8Array(readFileSync(file));
      } catch (e) {
        throw new UsageError(
          `input file \`${file}\` cannot be read (${(e as NodeJS.ErrnoException).code}); give readable files in ` +
            `\`input.files\``,
        );
      }
    });
  }
  return fc.sample(spec.arbitrary, { numRuns: spec.count ?? 256, seed });
}

/** Cycles through a pool. */
export function cycle(pool: readonly Uint8Array[]): () => Uint8Array {
  if (pool.length === 0) throw new UsageError('the scenario made no inputs: give at least one size, file or sample');
  let i = 0;
  return () => pool[i++ % pool.length]!;
}
