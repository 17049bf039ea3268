import { readFileSync } from 'node:fs';
import { UsageError } from '../../contract/errors.ts';

/** Shortest and longest printable run taken from a binary as a dictionary word, in bytes. */
const WORD_MIN_BYTES = 4;
const WORD_MAX_BYTES = 32;
/** Most words taken from one binary. */
const MAX_WORDS = 256;

/** Printable ASCII runs in a built module or library: its data strings (magic tags, keywords). */
export function wordsOfBinary(bytes: Uint8Array): Uint8Array[] {
  const words = new Map<string, Uint8Array>();
  let start = -1;
  for (let i = 0; i <= bytes.length && words.size < MAX_WORDS; i++) {
    const printable = i < bytes.length && bytes[i]! >= 0x20 && bytes[i]! < 0x7f;
    if (printable && start < 0) start = i;
    if (printable || start < 0) continue;
    if (i - start >= WORD_MIN_BYTES) {
      const word = bytes.slice(start, Math.min(i, start + WORD_MAX_BYTES));
      words.set(Buffer.from(word).toString('latin1'), word);
    }
    start = -1;
  }
  return [...words.values()];
}

/**
 * Reads a dictionary in the AFL / libFuzzer format: one `"word"` or `name="word"` a line,
 * `\xNN`, `\\` and `\"` escapes, `#` comments.
 */
export function readDictionaryFile(path: string): Uint8Array[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `\`--dict ${path}\` cannot be read (${code}); give a dictionary file (lines like \`magic="PBX9"\`)`,
    );
  }
  const words: Uint8Array[] = [];
  const problems: string[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const quoted = /^(?:[A-Za-z0-9_]+\s*=\s*)?"((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!quoted) {
      problems.push(`line ${index + 1}: \`${line.slice(0, 60)}\``);
      continue;
    }
    const bytes: number[] = [];
    const body = quoted[1]!;
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== '\\') bytes.push(...Buffer.from(body[i]!, 'utf8'));
      else if (body[i + 1] === 'x') (bytes.push(parseInt(body.slice(i + 2, i + 4), 16)), (i += 3));
      else bytes.push(body.charCodeAt(++i));
    }
    words.push(new Uint8Array(bytes));
  }
  if (problems.length > 0) {
    throw new UsageError(
      `\`--dict ${path}\` has lines that are not \`"word"\` or \`name="word"\`:\n${problems.join('\n')}`,
    );
  }
  return words;
}
