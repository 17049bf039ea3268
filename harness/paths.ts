import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './contract/errors.ts';

/** The plugbench checkout or package this code runs from. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Local state kept out of git: the development key pair, the cargo target dir. @default <package>/.plugbench */
export const stateDir = process.env.PLUGBENCH_HOME ?? join(packageRoot, '.plugbench');

/** The Cargo workspace of the fixture plugins. */
export const fixturesWorkspace = join(packageRoot, 'fixtures', 'plugins');

/** Where `plugbench build` puts built plugins by default: `<dir>/<name>/plugin.json`. */
export const defaultBuildDir = join(packageRoot, 'fixtures', 'build');

/**
 * Resolves a plugin argument: a path to a built plugin directory (the one holding
 * plugin.json), or the name of a plugin built into `fixtures/build`.
 */
export function resolvePluginDir(nameOrPath: string): string {
  const looksLikePath = nameOrPath.includes('/') || isAbsolute(nameOrPath) || nameOrPath.startsWith('.');
  const dir = looksLikePath ? resolve(nameOrPath) : join(defaultBuildDir, nameOrPath);
  if (existsSync(join(dir, 'plugin.json'))) return dir;
  throw new UsageError(
    looksLikePath
      ? `no plugin.json in \`${dir}\`: give the directory that \`plugbench build --out\` wrote`
      : `no built plugin named \`${nameOrPath}\` in \`${defaultBuildDir}\`: run \`plugbench build\` first, or give a path to a built plugin directory (see \`plugbench list\`)`,
  );
}
