import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './contract/errors.ts';
import { signLine } from './abi/sign-line.ts';

/** The plugbench checkout or package this code runs from. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url));

/** Local state kept out of git: the development key pair, the cargo target dir. @default <package>/.plugbench */
export const stateDir = process.env.PLUGBENCH_HOME ?? join(packageRoot, '.plugbench');

/** The Cargo workspace of the fixture plugins. */
export const fixturesWorkspace = join(packageRoot, 'fixtures', 'plugins');

/** The Extism fixture plugins (extism-pdk from crates.io), a workspace of their own. */
export const extismFixturesDir = join(packageRoot, 'fixtures', 'extism');

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
  const unsigned = unsignedArtifactIn(dir);
  if (unsigned !== undefined) {
    throw new UsageError(`\`${unsigned}\` is an unsigned artifact: plugbench loads only signed plugins; sign it with \`${signLine(unsigned)}\` and give that directory`);
  }
  throw new UsageError(
    looksLikePath
      ? `no plugin.json in \`${dir}\`: give the directory that \`plugbench build --out\` wrote`
      : `no built plugin named \`${nameOrPath}\` in \`${defaultBuildDir}\`: run \`plugbench build\` first, or give a path to a built plugin directory (see \`plugbench list\`)`,
  );
}

/** A bare `.wasm` given where a plugin directory belongs: the file itself, or the only one in the directory. */
function unsignedArtifactIn(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isFile()) return path;
  const wasm = readdirSync(path).filter((f) => f.endsWith('.wasm'));
  return wasm.length === 1 ? join(path, wasm[0]!) : undefined;
}
