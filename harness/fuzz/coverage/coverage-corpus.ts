import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../contract/provenance.ts';
import { writeFileAtomically } from '../../report/results.ts';

/**
 * The coverage corpus of one plugin/op: inputs that reached new edges, kept as
 * `<corpus>/<plugin>/<op>/coverage/<sha256>.bin` and given back as seeds to the next run.
 */
export class CoverageCorpus {
  readonly dir: string;

  constructor(corpusDir: string, plugin: string, op: string) {
    this.dir = join(corpusDir, plugin, op, 'coverage');
  }

  load(): Uint8Array[] {
    if (!existsSync(this.dir)) return [];
    const files = readdirSync(this.dir)
      .filter((f) => f.endsWith('.bin'))
      .sort();
    return files.map((f) => new Uint8Array(readFileSync(join(this.dir, f))));
  }

  /** Saves the inputs not there yet; returns how many were new. */
  add(inputs: readonly Uint8Array[]): number {
    let added = 0;
    for (const input of inputs) {
      const file = join(this.dir, `${sha256Hex(input)}.bin`);
      if (existsSync(file)) continue;
      mkdirSync(this.dir, { recursive: true });
      writeFileAtomically(file, input);
      added++;
    }
    return added;
  }

  /** Keeps only `keep` (a subset of what `load` gave) and deletes the rest. */
  replace(keep: readonly Uint8Array[]): void {
    const wanted = new Set(keep.map((input) => `${sha256Hex(input)}.bin`));
    for (const f of existsSync(this.dir) ? readdirSync(this.dir) : []) {
      if (f.endsWith('.bin') && !wanted.has(f)) rmSync(join(this.dir, f));
    }
  }
}
