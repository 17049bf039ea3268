import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import koffi from 'koffi';
import { UsageError } from '../contract/errors.ts';
import { sha256Hex } from '../contract/provenance.ts';
import { stateDir } from '../paths.ts';
import { COMPARE_SLOTS, NativeCompareTable } from './compare-table.ts';

const SOURCE = new URL('./sanitizer-shim.c', import.meta.url);

/** The shim's getters, bound once it is loaded. */
interface ShimExports {
  counters(): unknown;
  countersLen(): number | bigint;
  compareTable(): unknown;
  compareWidthTable(): unknown;
}

let loaded: ShimExports | undefined;

/** Builds the shim with gcc into `.plugbench/coverage-shim/<source hash>.so`, once per source. */
function shimLibrary(): string {
  const source = readFileSync(SOURCE);
  const dir = join(stateDir(), 'coverage-shim');
  const path = join(dir, `${sha256Hex(source).slice(0, 16)}.so`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  const gcc = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', temp, SOURCE.pathname], { encoding: 'utf8' });
  if (gcc.error || gcc.status !== 0) {
    const why = gcc.error?.message ?? gcc.stderr.trim();
    throw new UsageError(
      `building the native coverage shim with gcc failed (${why}); install gcc (\`apt-get install -y gcc\`) or ` +
        `fuzz native plugins blind with \`--no-coverage\``,
    );
  }
  renameSync(temp, path);
  return path;
}

/**
 * Loads the SanitizerCoverage runtime into this process with RTLD_GLOBAL, so a native coverage
 * build opened afterwards finds its `__sanitizer_cov_*` symbols (it is linked with BIND_NOW).
 */
export function loadNativeShim(): void {
  if (loaded) return;
  const lib = koffi.load(shimLibrary(), { global: true });
  loaded = {
    counters: lib.func('void *pbcov_counters(void)'),
    countersLen: lib.func('size_t pbcov_counters_len(void)'),
    compareTable: lib.func('void *pbcov_compare_table(void)'),
    compareWidthTable: lib.func('void *pbcov_compare_width_table(void)'),
  } as ShimExports;
}

/** The counters of the library loaded last, read in place (zero-copy). */
export function nativeCounters(): Uint8Array {
  if (!loaded) throw new Error('harness bug: the coverage shim is not loaded');
  const length = Number(loaded.countersLen());
  const pointer = loaded.counters();
  return pointer === null || length === 0 ? new Uint8Array() : new Uint8Array(koffi.view(pointer, length));
}

export function nativeCompareTable(): NativeCompareTable {
  if (!loaded) throw new Error('harness bug: the coverage shim is not loaded');
  const operands = new BigUint64Array(koffi.view(loaded.compareTable(), COMPARE_SLOTS * 16));
  const widths = new Uint8Array(koffi.view(loaded.compareWidthTable(), COMPARE_SLOTS));
  return new NativeCompareTable(operands, widths);
}
