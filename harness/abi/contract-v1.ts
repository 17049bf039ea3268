import { PluginLoadError } from '../contract/errors.ts';
import { type PluginMeta, readVerifiedArtifact } from '../contract/provenance.ts';
import { basename } from 'node:path';
import type { Boundary, InstanceOptions, PluginInstance } from '../lanes/instance.ts';
import { NativeInstance } from '../lanes/native.ts';
import { WasmComponentInstance } from '../lanes/wasm-component.ts';
import { WasmCoreInstance } from '../lanes/wasm-core.ts';
import { missingArtifact } from './missing-artifact.ts';

/**
 * Contract v1, plugbench's own ABI (README, "The plugin contract"): the manifest comes from
 * `describe`, calls go through `call(op, input)`, on every boundary.
 */
export async function openContractV1(
  dir: string,
  meta: PluginMeta,
  boundary: Boundary,
  options: InstanceOptions,
): Promise<PluginInstance> {
  const declared = { name: meta.name, version: meta.version, abi: meta.abi };
  switch (boundary) {
    case 'wasm-core': {
      const artifact = meta.artifacts.wasm ?? missingArtifact(meta, boundary);
      return WasmCoreInstance.open(readVerifiedArtifact(dir, artifact), declared, options);
    }
    case 'wasm-component': {
      const artifact = meta.artifacts.component ?? missingArtifact(meta, boundary);
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
      return WasmComponentInstance.open({ js: js.bytes, coreModules }, declared, options);
    }
    case 'native': {
      const artifact = meta.artifacts.native ?? missingArtifact(meta, boundary);
      return NativeInstance.open(readVerifiedArtifact(dir, artifact), declared, options);
    }
  }
}
