import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type fc from 'fast-check';
import { lzStream } from './arbitraries.ts';

/** What a fuzz run knows of an op beyond its manifest. */
export interface FuzzTarget {
  /** Inputs with structure, instead of the default for the op's input kind. */
  input?: fc.Arbitrary<Uint8Array>;
  /** The correct output, from an independent implementation. */
  oracle?: (input: Uint8Array) => Uint8Array;
  /** An op that must give the input back from this op's output. */
  inverse?: string;
}

const be32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return new Uint8Array(b);
};

/** Fuzz targets of the fixture plugins, by plugin name then op. */
export const FIXTURE_TARGETS: Readonly<Record<string, Readonly<Record<string, FuzzTarget>>>> = {
  hashkit: {
    sha256: { oracle: (input) => new Uint8Array(createHash('sha256').update(input).digest()) },
    crc32: { oracle: (input) => be32(crc32(input)) },
  },
  lz: { compress: { inverse: 'decompress' }, decompress: { input: lzStream } },
  'lz-buggy': { compress: { inverse: 'decompress' }, decompress: { input: lzStream } },
};

export function fuzzTargetOf(plugin: string, op: string): FuzzTarget {
  return FIXTURE_TARGETS[plugin]?.[op] ?? {};
}
