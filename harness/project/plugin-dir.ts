import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import { signLine } from '../contract/sign-line.ts';
import { currentProject } from './project.ts';

/**
 * Resolves a plugin argument: a path to a built plugin directory (the one holding
 * plugin.json), or the name of a plugin built into the project's build directory.
 */
export function resolvePluginDir(nameOrPath: string): string {
  const buildDir = currentProject().buildDir;
  const looksLikePath = nameOrPath.includes('/') || isAbsolute(nameOrPath) || nameOrPath.startsWith('.');
  const dir = looksLikePath ? resolve(nameOrPath) : join(buildDir, nameOrPath);
  if (existsSync(join(dir, 'plugin.json'))) return dir;
  const unsigned = unsignedArtifactIn(dir);
  if (unsigned !== undefined) {
    throw new UsageError(
      `\`${unsigned}\` is an unsigned artifact: plugbench loads only signed plugins; sign it with ` +
        `\`${signLine(unsigned)}\` and give that directory`,
    );
  }
  throw new UsageError(
    looksLikePath
      ? `no plugin.json in \`${dir}\`: give the directory that \`plugbench build --out\` wrote`
      : `no built plugin named \`${nameOrPath}\` in \`${buildDir}\`: run \`plugbench build\` first, or give a ` +
          `path to a built plugin directory (see \`plugbench list\`)`,
  );
}

/** A bare `.wasm` given where a plugin directory belongs: the file itself, or the only one in the directory. */
function unsignedArtifactIn(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isFile()) return path;
  const wasm = readdirSync(path).filter((f) => f.endsWith('.wasm'));
  return wasm.length === 1 ? join(path, wasm[0]!) : undefined;
}
