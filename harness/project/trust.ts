import { type TrustedKey, trustedKeys } from '../contract/keys.ts';
import { fixtureCacheKey } from './reference-fixtures.ts';
import { stateDir } from '../paths.ts';
import { currentProject } from './project.ts';

/**
 * The keys a load trusts in this project: its development key, the config's `trustedKeys`,
 * the key of the cached reference fixtures, `PLUGBENCH_TRUSTED_KEYS` and the files given.
 */
export function projectTrustedKeys(extraPaths: readonly string[] = []): TrustedKey[] {
  const cacheKey = fixtureCacheKey();
  return trustedKeys(stateDir(), [...currentProject().trustedKeyFiles, ...(cacheKey ? [cacheKey] : []), ...extraPaths]);
}
