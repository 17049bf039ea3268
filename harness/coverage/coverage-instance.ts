import { PluginLoadError } from '../contract/errors.ts';
import { DEFAULT_POLICY } from '../contract/policy.ts';
import { readSignedPluginMeta, readVerifiedArtifact } from '../contract/provenance.ts';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../engines/canonical.ts';
import type { Boundary, InstanceOptions, PluginInstance } from '../engines/instance.ts';
import { NativeInstance } from '../engines/native.ts';
import type { OpenOptions } from '../engines/open-instance.ts';
import { WasmCoreInstance } from '../engines/wasm-core.ts';
import type { CompareTable } from './compare-table.ts';
import { loadNativeShim, nativeCompareTable, nativeCounters } from './native-shim.ts';
import { WasmSanitizer } from './wasm-sanitizer.ts';

/** What the fuzz loop reads after each call of a coverage build. */
export interface CoverageProbe {
  /** The instance's 8-bit counters, one per edge, in place (the loop zeroes them). */
  counters(): Uint8Array;
  compares: CompareTable;
}

/** Boundaries a coverage build exists for. */
export const COVERAGE_BOUNDARIES: readonly Boundary[] = ['wasm-core', 'native'];

/**
 * Opens a plugin's coverage build on `wasm-core` or `native`, with the same provenance checks
 * and negotiation as any load, plus the SanitizerCoverage runtime: imports for a core module,
 * the gcc-built shim loaded globally before a native library.
 */
export async function openCoverageInstance(
  dir: string,
  boundary: Boundary,
  options: OpenOptions,
): Promise<{ instance: PluginInstance; probe: CoverageProbe }> {
  const meta = readSignedPluginMeta(dir, options.trusted);
  if (meta.coverage === undefined) {
    throw new PluginLoadError(
      'incompatible',
      `plugin \`${meta.name}\` has no coverage build: rebuild it with \`plugbench build --coverage\``,
    );
  }
  const declared = { name: meta.name, version: meta.version, abi: meta.abi };
  const instanceOptions: InstanceOptions = {
    policy: options.policy ?? DEFAULT_POLICY,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    onLog: options.onLog,
  };
  if (boundary === 'wasm-core') {
    const sanitizer = new WasmSanitizer();
    const bytes = readVerifiedArtifact(dir, meta.coverage.wasm);
    const instance = await WasmCoreInstance.open(bytes, declared, { ...instanceOptions, sanitizer });
    return { instance, probe: { counters: () => sanitizer.counters(), compares: sanitizer.compares } };
  }
  if (boundary === 'native') {
    loadNativeShim();
    const instance = NativeInstance.open(readVerifiedArtifact(dir, meta.coverage.native), declared, instanceOptions);
    const counters = nativeCounters();
    return { instance, probe: { counters: () => counters, compares: nativeCompareTable() } };
  }
  const boundaries = COVERAGE_BOUNDARIES.map((b) => `\`${b}\``).join(' and ');
  throw new PluginLoadError('incompatible', `coverage builds run on ${boundaries}, not \`${boundary}\``);
}
