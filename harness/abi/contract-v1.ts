import { basename } from 'node:path';
import { PluginLoadError } from '../contract/errors.ts';
import { type PluginMeta, readVerifiedArtifact } from '../contract/provenance.ts';
import type { AbiDescriptor } from './abi-descriptor.ts';
import { missingArtifact } from './missing-artifact.ts';

/**
 * Contract v1, plugbench's own ABI (README, "The plugin contract"): the manifest comes from
 * `describe`, calls go through `call(op, input)`, on every boundary. The engines speak it
 * (engines/wasm-core.ts, wasm-component.ts, native.ts); this adapter says which verified
 * bytes each boundary opens.
 */
export const contractV1Abi: AbiDescriptor = {
  name: 'contract-v1',
  // Every `abi` no other ABI claims: a version this host does not speak is refused by the negotiation, with its reason.
  claims: () => true,
  unspoken: 'not for plugins of contract 1.0',
};

/** What plugin.json declares, for the negotiation to hold `describe` to. */
export const declaredOf = (meta: PluginMeta) => ({ name: meta.name, version: meta.version, abi: meta.abi });

/** The verified core module (`wasm-core`). */
export function coreModuleOf(dir: string, meta: PluginMeta): Uint8Array {
  return readVerifiedArtifact(dir, meta.artifacts.wasm ?? missingArtifact(meta, 'wasm-core'));
}

/** The verified shared library (`native`). */
export function nativeLibraryOf(dir: string, meta: PluginMeta): Uint8Array {
  return readVerifiedArtifact(dir, meta.artifacts.native ?? missingArtifact(meta, 'native'));
}

/** The verified jco transpilation of the component (`wasm-component`): its JavaScript and core modules. */
export function transpiledComponentOf(dir: string, meta: PluginMeta) {
  const artifact = meta.artifacts.component ?? missingArtifact(meta, 'wasm-component');
  const files = artifact.transpiled.map((file) => ({
    name: basename(file.file),
    bytes: readVerifiedArtifact(dir, file),
  }));
  const js = files.find((f) => f.name.endsWith('.js'));
  if (js === undefined)
    throw new PluginLoadError(
      'rejected',
      `the component of \`${meta.name}\` lists no transpiled JavaScript; rebuild it with \`plugbench build\``,
    );
  const coreModules = new Map(files.filter((f) => f.name.endsWith('.wasm')).map((f) => [f.name, f.bytes]));
  return { js: js.bytes, coreModules };
}
