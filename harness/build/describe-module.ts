import { parseManifest } from '../contract/manifest.ts';
import { decodeStringReturn, DEFAULT_MAX_OUTPUT_BYTES } from '../engines/canonical.ts';
import { HostFunctions } from '../engines/host-functions.ts';
import { UsageError } from '../contract/errors.ts';

/**
 * Reads the name, version and ABI a freshly built core module declares, for plugin.json.
 * Runs the author's own `describe` with inert host functions; negotiation happens at load.
 */
export async function describeCoreModule(
  bytes: Uint8Array,
  crateDir: string,
): Promise<{ name: string; version: string; abi: string }> {
  const host = new HostFunctions(undefined);
  let memory: WebAssembly.Memory | undefined;
  try {
    const { instance } = await WebAssembly.instantiate(
      bytes as BufferSource,
      host.coreImports(() => memory!.buffer),
    );
    const exports = instance.exports as { memory: WebAssembly.Memory; describe(): number };
    memory = exports.memory;
    const retptr = exports.describe();
    const json = decodeStringReturn(memory.buffer, retptr, DEFAULT_MAX_OUTPUT_BYTES, 'the manifest');
    const { manifest, problems } = parseManifest(json);
    if (manifest === undefined) throw new Error(problems.join('; '));
    return { name: manifest.name, version: manifest.version, abi: manifest.abi };
  } catch (e) {
    throw new UsageError(
      `the wasm module built from \`${crateDir}\` does not describe itself (${(e as Error).message}); it must ` +
        `implement contract 1.0 (see "The plugin contract" in the README)`,
    );
  }
}
