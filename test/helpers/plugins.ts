import { randomBytes } from 'node:crypto';
import { trustedKeys } from '../../harness/contract/keys.ts';
import type { InputKind } from '../../harness/contract/manifest.ts';
import { openSequenceLane } from '../../harness/lanes/open-lane.ts';
import type { Boundary } from '../../harness/engines/instance.ts';
import { resolvePluginDir } from '../../harness/project/plugin-dir.ts';
import { stateDir } from '../../harness/paths.ts';

/** The keys `plugbench build` signed the fixtures with (npm test builds them first). */
export const trusted = trustedKeys(stateDir());

/** The built directory of a fixture plugin. */
export const fixture = (name: string) => resolvePluginDir(name);

/** A fixture on one sequence lane per boundary (the caller closes them). */
export const sequenceLanes = (name: string, boundaries: readonly Boundary[]) =>
  Promise.all(boundaries.map((b) => openSequenceLane(fixture(name), b, { trusted })));

/** The fixtures that behave, and are compared across boundaries op by op. */
export const HEALTHY_FIXTURES = ['textkit', 'hashkit', 'imgkit', 'lz', 'slowpoke', 'handmade'] as const;

/** An RGBA image with the fixtures' header: u32 LE width, u32 LE height, then pixels. */
export function image(width: number, height: number, pixels = randomBytes(width * height * 4)): Uint8Array {
  const bytes = new Uint8Array(8 + width * height * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, width, true);
  view.setUint32(4, height, true);
  bytes.set(pixels.subarray(0, width * height * 4), 8);
  return bytes;
}

export const u64 = (n: number) => {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(n), true);
  return bytes;
};

const TEXTS = [
  '',
  'Hello, World! hello world',
  'Ünïcödé wörds — ЖЖЖ жжж 日本語 テキスト 🦀🦀 crab',
  'a'.repeat(3000) + ' b\n\tc',
];

/** A few inputs of each kind, edge cases included. */
export function sampleInputs(kind: InputKind): Uint8Array[] {
  switch (kind) {
    case 'utf8':
      return TEXTS.map((t) => new TextEncoder().encode(t));
    case 'image':
      return [image(1, 1), image(3, 2), image(17, 9), image(0, 0)];
    case 'u64':
      return [u64(0), u64(1)];
    case 'bytes':
      return [
        new Uint8Array(),
        new Uint8Array([0]),
        randomBytes(1000),
        new TextEncoder().encode('abcabcabcabcabcabcabc'.repeat(50)),
      ];
  }
}
