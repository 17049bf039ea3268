const UNIT_BYTES: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Parses `512MiB`, `2GiB`, `64KiB`, `4096B` or a bare number of bytes; undefined when malformed. */
export function parseSizeBytes(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?\s*$/.exec(text);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNIT_BYTES[match[2] ?? 'B']!);
  return bytes > 0 ? bytes : undefined;
}
