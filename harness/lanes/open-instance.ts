import { PluginLoadError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY } from '../contract/policy.ts';
import { type PluginMeta, readSignedPluginMeta, readVerifiedArtifact } from '../contract/provenance.ts';
import { basename } from 'node:path';
import { DEFAULT_MAX_OUTPUT_BYTES } from './canonical.ts';
import type { Boundary, InstanceOptions, PluginInstance } from './instance.ts';
import { NativeInstance } from './native.ts';
import { WasmComponentInstance } from './wasm-component.ts';
import { WasmCoreInstance } from './wasm-core.ts';

export interface OpenOptions extends Partial<InstanceOptions> {
  /** Keys whose signature on plugin.json is accepted. */
  trusted: readonly TrustedKey[];
}

export function missingArtifact(meta: PluginMeta, boundary: Boundary): never {
  throw new PluginLoadError('incompatible', `plugin \`${meta.name}\` has no artifact for boundary \`${boundary}\` (it has: ${Object.keys(meta.artifacts).join(', ')}); rebuild it with \`plugbench build\``);
}

/**
 * Loads a built plugin on one boundary in this thread: plugin.json's signature first, then
 * the hash of the exact bytes that are compiled or opened, then negotiation.
 */
export async function openInstance(dir: string, boundary: Boundary, options: OpenOptions): Promise<PluginInstance> {
  const meta = readSignedPluginMeta(dir, options.trusted);
  const declared = { name: meta.name, version: meta.version, abi: meta.abi };
  const instanceOptions: InstanceOptions = {
    policy: options.policy ?? DEFAULT_POLICY,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    onLog: options.onLog,
  };
  switch (boundary) {
    case 'wasm-core': {
      const artifact = meta.artifacts.wasm ?? missingArtifact(meta, boundary);
      return WasmCoreInstance.open(readVerifiedArtifact(dir, artifact), declared, instanceOptions);
    }
    case 'wasm-component': {
      const artifact = meta.artifacts.component ?? missingArtifact(meta, boundary);
      const files = artifact.transpiled.map((file) => ({ name: basename(file.file), bytes: readVerifiedArtifact(dir, file) }));
      const js = files.find((f) => f.name.endsWith('.js'));
      if (js === undefined) throw new PluginLoadError('rejected', `the component of \`${meta.name}\` lists no transpiled JavaScript; rebuild it with \`plugbench build\``);
      const coreModules = new Map(files.filter((f) => f.name.endsWith('.wasm')).map((f) => [f.name, f.bytes]));
      return WasmComponentInstance.open({ js: js.bytes, coreModules }, declared, instanceOptions);
    }
    case 'native': {
      const artifact = meta.artifacts.native ?? missingArtifact(meta, boundary);
      return NativeInstance.open(readVerifiedArtifact(dir, artifact), declared, instanceOptions);
    }
  }
}
