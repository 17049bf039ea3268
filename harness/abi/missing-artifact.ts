import { PluginLoadError } from '../contract/errors.ts';
import type { PluginMeta } from '../contract/provenance.ts';

export function missingArtifact(meta: PluginMeta, boundary: string): never {
  throw new PluginLoadError(
    'incompatible',
    `plugin \`${meta.name}\` has no artifact for boundary \`${boundary}\` (it has: ` +
      `${Object.keys(meta.artifacts).join(', ')}); rebuild it with \`plugbench build\``,
  );
}
