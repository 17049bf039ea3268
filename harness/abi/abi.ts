import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginLoadError } from '../contract/errors.ts';
import type { ExtismMeta, PluginMeta } from '../contract/provenance.ts';
import { EXTISM_ABI, NOT_FOR_EXTISM } from './extism.ts';

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
export function boundaryProblem(abi: PluginAbi, boundary: string): string | undefined {
  return abi === 'extism' && boundary !== 'wasm-core' ? NOT_FOR_EXTISM : undefined;
}

/** The ABI of a built plugin directory, from its plugin.json (verified again when it loads). */
export const abiOfDir = (dir: string): PluginAbi =>
  abiOf(JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')) as { abi: string });
