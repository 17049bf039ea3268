import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PluginLoadError } from '../contract/errors.ts';
import type { ExtismMeta, PluginMeta } from '../contract/provenance.ts';
import type { AbiDescriptor } from './abi-descriptor.ts';
import { contractV1Abi } from './contract-v1.ts';
import { extismAbi } from './extism.ts';

/**
 * The seam between a plugin's ABI and the engines: plugin.json's `abi` picks the adapter,
 * which says what the module must export and may import, where the manifest comes from, and
 * how a call's input goes in and its output and failures come out. The name of a registered
 * ABI: `contract-v1`, `extism`.
 */
export type PluginAbi = string;

/** Registered ABIs; the latest registered that claims a plugin is its ABI (contract v1 claims every other). */
const abis: AbiDescriptor[] = [];

/** Registers a plugin ABI; a name registered twice throws. Returns what unregisters it (for tests). */
export function registerAbi(abi: AbiDescriptor): () => void {
  if (abis.some((known) => known.name === abi.name)) throw new Error(`ABI \`${abi.name}\` is registered twice`);
  abis.push(abi);
  return () => void abis.splice(abis.indexOf(abi), 1);
}

registerAbi(contractV1Abi);
registerAbi(extismAbi);

export const abiOf = (meta: Pick<PluginMeta, 'abi'>): PluginAbi =>
  [...abis].reverse().find((abi) => abi.claims(meta.abi))!.name;

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

/** Whether an engine that speaks `spoken` runs plugins of this ABI; the ABI's reason when it does not. */
export function abiProblem(abi: PluginAbi, spoken: readonly string[]): string | undefined {
  return spoken.includes(abi) ? undefined : abis.find((known) => known.name === abi)!.unspoken;
}

/** The ABI of a built plugin directory, from its plugin.json (verified again when it loads). */
export const abiOfDir = (dir: string): PluginAbi =>
  abiOf(JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')) as { abi: string });
