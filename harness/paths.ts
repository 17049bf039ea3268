import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const harnessParent = fileURLToPath(new URL('..', import.meta.url));

/**
 * The plugbench checkout or installed package this code runs from: read-only at run time.
 * The installed package runs compiled code from `dist/`, one level further down.
 */
export const packageRoot = existsSync(join(harnessParent, 'package.json')) ? harnessParent : dirname(harnessParent);

/** plugbench's own version (package.json). */
export const packageVersion: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;

/** The Cargo workspace of the reference fixture plugins, shipped in the package. */
export const fixturesWorkspace = join(packageRoot, 'fixtures', 'plugins');

/** The project file at the root of a plugin author's repository. */
export const CONFIG_FILE = 'plugbench.config.json';

/** The nearest directory from `start` upwards that holds a config file; `start` when none does. */
export function findProjectRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, CONFIG_FILE))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
}

let openedRoot: string | undefined;

/** Records the root of the project this process opened (project/project.ts `useProject`). */
export function setProjectRoot(root: string): void {
  openedRoot = root;
}

/** The root of the project of this process: the one opened, else found from the current directory up. */
export const projectRoot = (): string => openedRoot ?? findProjectRoot(process.cwd());

/** Local state of the project, kept out of git: the development key pair, the cargo target dir, the Go host. */
export function stateDir(): string {
  return process.env.PLUGBENCH_HOME ?? join(projectRoot(), '.plugbench');
}
