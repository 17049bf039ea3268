import { abiOf, abiProblem } from '../abi/abi.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY } from '../contract/policy.ts';
import { type PluginMeta, readSignedPluginMeta } from '../contract/provenance.ts';
import { DEFAULT_MAX_OUTPUT_BYTES } from './canonical.ts';
import { PluginLoadError } from '../contract/errors.ts';
import {
  type AnyPluginInstance,
  type Boundary,
  type InstanceOptions,
  isAsyncInstance,
  type PluginInstance,
} from './instance.ts';
import { nodeEngineFor } from './node-engines.ts';

export { missingArtifact } from '../abi/missing-artifact.ts';

export interface OpenOptions extends Partial<InstanceOptions> {
  /** Keys whose signature on plugin.json is accepted. */
  trusted: readonly TrustedKey[];
}

/**
 * Loads a built plugin on one boundary in this thread: plugin.json's signature first, then
 * the hash of the exact bytes that are compiled or opened, then negotiation (by its ABI).
 */
export async function openAnyInstance(
  dir: string,
  boundary: Boundary,
  options: OpenOptions,
): Promise<AnyPluginInstance> {
  const meta = readSignedPluginMeta(dir, options.trusted);
  const instanceOptions: InstanceOptions = {
    policy: options.policy ?? DEFAULT_POLICY,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    onLog: options.onLog,
  };
  return openByAbi(dir, meta, boundary, instanceOptions);
}

/** Opens a verified plugin on one boundary in this thread, with the Node engine of that boundary. */
export async function openByAbi(
  dir: string,
  meta: PluginMeta,
  boundary: Boundary,
  options: InstanceOptions,
): Promise<AnyPluginInstance> {
  const engine = nodeEngineFor(boundary);
  const abi = abiOf(meta);
  const problem = abiProblem(abi, engine.abis);
  if (problem !== undefined)
    throw new PluginLoadError('incompatible', `\`${meta.name}\` on \`${boundary}\`: ${problem}`);
  return engine.openInstance(dir, meta, abi, options);
}

/** `openAnyInstance` for callers that call synchronously: contract v1 plugins only. */
export async function openInstance(dir: string, boundary: Boundary, options: OpenOptions): Promise<PluginInstance> {
  const instance = await openAnyInstance(dir, boundary, options);
  if (!isAsyncInstance(instance)) return instance;
  instance.close();
  throw new PluginLoadError(
    'incompatible',
    `\`${instance.manifest.name}\` is an Extism plugin, which this command does not open in-thread; open it on a lane`,
  );
}
