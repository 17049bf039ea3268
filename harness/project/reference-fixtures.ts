import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolvePluginDir } from './plugin-dir.ts';
import { fixturesWorkspace, packageRoot, packageVersion } from '../paths.ts';
import { currentProject } from './project.ts';
import { buildPlugins } from '../build/build-plugins.ts';

/** The reference fixtures `check` and `boundary` exercise each lane with. */
export const REFERENCE_FIXTURES = [
  'faulty',
  'liar',
  'textkit',
  'abi-future',
  'greedy',
  'ext-faulty',
  'ext-textkit',
] as const;
export type ReferenceFixture = (typeof REFERENCE_FIXTURES)[number];

/**
 * The per-user cache the reference fixtures are built into from the sources shipped in the
 * package, once per plugbench version. @default `$XDG_CACHE_HOME/plugbench/fixtures/<version>` or `~/.cache/…`
 */
export function fixtureCacheDir(): string {
  const userCache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const base = process.env.PLUGBENCH_CACHE ?? join(userCache, 'plugbench');
  return join(base, 'fixtures', packageVersion);
}

/** The public key the cached fixtures are signed with (the cache's own development key). */
export function fixtureCacheKey(): string | undefined {
  const path = join(fixtureCacheDir(), 'keys', 'dev.pub');
  return existsSync(path) ? path : undefined;
}

/**
 * Directories of the reference fixtures by name. In the plugbench checkout they are the
 * project's own fixtures; elsewhere they come from the per-user cache, built on first use.
 */
export async function referenceFixtures<N extends ReferenceFixture>(
  names: readonly N[],
  log: (line: string) => void,
): Promise<Record<N, string>> {
  const byName = (dirOf: (name: N) => string) =>
    Object.fromEntries(names.map((name) => [name, dirOf(name)])) as Record<N, string>;
  if (currentProject().root === packageRoot) return byName(resolvePluginDir);
  const buildDir = join(fixtureCacheDir(), 'build');
  const missing = names.filter((name) => !existsSync(join(buildDir, name, 'plugin.json')));
  if (missing.length > 0) {
    const cache = fixtureCacheDir();
    log(`building the reference fixtures ${missing.join(', ')} once, into ${cache} (from ${fixturesWorkspace})`);
    // Extism fixtures are crates of their own (fixtures/extism); the others, members of one workspace.
    const extism = missing.filter((name) => name.startsWith('ext-'));
    const contract = missing.filter((name) => !name.startsWith('ext-'));
    const extismCrates = extism.map((name) => join(packageRoot, 'fixtures', 'extism', name));
    if (contract.length > 0)
      await buildPlugins({ crates: [fixturesWorkspace], packages: contract, outDir: buildDir, stateDir: cache, log });
    if (extism.length > 0) await buildPlugins({ crates: extismCrates, outDir: buildDir, stateDir: cache, log });
  }
  return byName((name) => join(buildDir, name));
}
