import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginLoadError, UsageError } from '../contract/errors.ts';
import { type LaneId, laneName } from '../lanes/lane.ts';
import { type PluginMeta, readVerifiedArtifact } from '../contract/provenance.ts';
import { ExtismJsInstance } from '../lanes/extism-js.ts';
import type { AnyPluginInstance, Boundary, InstanceOptions } from '../lanes/instance.ts';
import { openContractV1 } from './contract-v1.ts';
import { EXTISM_ABI, type ExtismMeta, NOT_FOR_EXTISM } from './extism.ts';
import { missingArtifact } from './missing-artifact.ts';

/**
 * The seam between a plugin's ABI and the engines: plugin.json's `abi` picks the adapter,
 * which says what the module must export and may import, where the manifest comes from, and
 * how a call's input goes in and its output and failures come out.
 */
export type PluginAbi = 'contract-v1' | 'extism';

export const abiOf = (meta: Pick<PluginMeta, 'abi'>): PluginAbi => (meta.abi === EXTISM_ABI ? 'extism' : 'contract-v1');

/** The Extism part of plugin.json; refuses a plugin.json that says `extism` without it. */
export function extismMetaOf(meta: PluginMeta): ExtismMeta {
  if (meta.extism === undefined)
    throw new PluginLoadError(
      'rejected',
      `plugin.json of \`${meta.name}\` says abi \`extism\` but has no \`extism\` section; sign it again with ` +
        `\`plugbench sign\``,
    );
  return meta.extism;
}

/** Whether a lane's boundary runs plugins of this ABI; the reason when it does not. */
export function boundaryProblem(abi: PluginAbi, boundary: Boundary): string | undefined {
  return abi === 'extism' && boundary !== 'wasm-core' ? NOT_FOR_EXTISM : undefined;
}

/** Opens a verified plugin on one boundary in this thread, through the adapter of its ABI. */
export async function openByAbi(
  dir: string,
  meta: PluginMeta,
  boundary: Boundary,
  options: InstanceOptions,
): Promise<AnyPluginInstance> {
  const abi = abiOf(meta);
  const problem = boundaryProblem(abi, boundary);
  if (problem !== undefined)
    throw new PluginLoadError('incompatible', `\`${meta.name}\` on \`${boundary}\`: ${problem}`);
  if (abi === 'contract-v1') return openContractV1(dir, meta, boundary, options);
  const artifact = meta.artifacts.wasm ?? missingArtifact(meta, boundary);
  return ExtismJsInstance.open(readVerifiedArtifact(dir, artifact), meta, extismMetaOf(meta), options);
}

/** The ABI of a built plugin directory, from its plugin.json (verified again when it loads). */
export const abiOfDir = (dir: string): PluginAbi =>
  abiOf(JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')) as { abi: string });

/**
 * The lanes among `lanes` that run the plugin in `dir`; the others are left out with a note
 * saying why. None left is a usage error.
 */
export function lanesForPlugin(
  dir: string,
  lanes: readonly LaneId[],
  note: (line: string) => void = () => {},
): LaneId[] {
  const abi = abiOfDir(dir);
  const usable = lanes.filter((id) => boundaryProblem(abi, id.boundary) === undefined);
  const left = lanes.filter((id) => !usable.includes(id));
  const why = left.length > 0 ? boundaryProblem(abi, left[0]!.boundary) : undefined;
  if (usable.length === 0)
    throw new UsageError(`no lane given runs \`${dir}\`: ${why} (e.g. \`--lane wasm-core@worker,wasm-core@go\`)`);
  if (left.length > 0) note(`left out ${left.map(laneName).join(', ')}: ${why}`);
  return usable;
}
