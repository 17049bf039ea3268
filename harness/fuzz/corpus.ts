import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../contract/provenance.ts';
import { writeFileAtomically } from '../report/results.ts';
import { type Finding, findingKey } from './judge.ts';

export interface CorpusEntry {
  file: string;
  input: Uint8Array;
  finding: Finding & { key: string; seed?: number; path?: string };
}

/** Inputs that once failed, replayed first on every fuzz run; `dir` is the project's corpus (committed). */
export function loadCorpus(plugin: string, op: string, dir: string): CorpusEntry[] {
  const opDir = join(dir, plugin, op);
  if (!existsSync(opDir)) return [];
  return readdirSync(opDir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => {
      const meta = join(opDir, f.replace(/\.bin$/, '.json'));
      return {
        file: join(opDir, f),
        input: new Uint8Array(readFileSync(join(opDir, f))),
        finding: existsSync(meta) ? JSON.parse(readFileSync(meta, 'utf8')) : { key: '' },
      };
    });
}

/**
 * Saves a failing input as `<plugin>/<op>/<sha256>.bin` with its finding beside it, unless an
 * entry with the same finding key (property, lane, kind, panic location) is already there.
 */
export function saveToCorpus(
  plugin: string,
  op: string,
  input: Uint8Array,
  finding: Finding,
  replay: { seed: number; path: string },
  dir: string,
): { file: string; isNew: boolean } {
  const key = findingKey(finding);
  const existing = loadCorpus(plugin, op, dir).find((e) => e.finding.key === key);
  if (existing) return { file: existing.file, isNew: false };
  const opDir = join(dir, plugin, op);
  mkdirSync(opDir, { recursive: true });
  const file = join(opDir, `${sha256Hex(input)}.bin`);
  if (existsSync(file)) return { file, isNew: false };
  writeFileAtomically(file, input);
  writeFileAtomically(file.replace(/\.bin$/, '.json'), `${JSON.stringify({ ...finding, key, ...replay }, null, 2)}\n`);
  return { file, isNew: true };
}
