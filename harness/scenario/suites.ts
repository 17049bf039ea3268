import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../contract/errors.ts';
import { currentProject } from '../project/project.ts';
import { SUITES, type SuiteName } from '../project/config.ts';
import { resolveScenario, type Scenario, type ScenarioOptions } from './scenario.ts';

/** Scenario files: JSON, or modules whose default export is the scenario (`.ts` only where a loader runs). */
const SCENARIO_FILE = /\.(json|js|mjs|ts)$/;

/** The scenario files of the project: every file of its scenario folders, and the files it names. */
function scenarioFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    if (!existsSync(path)) return [];
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((f) => SCENARIO_FILE.test(f) && !f.endsWith('.d.ts'))
      .sort()
      .map((f) => join(path, f));
  });
}

async function readScenarioFile(file: string, source: string): Promise<ScenarioOptions> {
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ScenarioOptions;
    } catch (e) {
      throw new UsageError(`scenario file \`${source}\` is not valid JSON (${(e as Error).message})`);
    }
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: ScenarioOptions };
  if (module.default === undefined)
    throw new UsageError(
      `scenario file \`${source}\` has no default export: write \`export default scenario({ ... })\``,
    );
  return module.default;
}

/** Loads and validates every scenario of the project (or of the given folders and files); ids must be unique. */
export async function loadScenarios(paths: readonly string[] = currentProject().scenarios): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  for (const file of scenarioFiles(paths)) {
    const source = relative(currentProject().root, file) || file;
    scenarios.push(resolveScenario(await readScenarioFile(file, source), source));
  }
  const seen = new Map<string, string>();
  for (const s of scenarios) {
    const other = seen.get(s.id);
    if (other)
      throw new UsageError(`scenario id \`${s.id}\` is used by both ${other} and ${s.source}; ids must be unique`);
    seen.set(s.id, s.source);
  }
  return scenarios;
}

/**
 * The scenarios of a suite, in a stable order (by id): those that name the suite, and those the
 * project's config adds to it (`suites`).
 */
export async function loadSuite(name: string): Promise<Scenario[]> {
  if (!(SUITES as readonly string[]).includes(name))
    throw new UsageError(`\`${name}\` is not a suite: choose one of ${SUITES.join(', ')} (see \`plugbench list\`)`);
  const all = await loadScenarios();
  const added = currentProject().suites[name as SuiteName] ?? [];
  const unknown = added.filter((id) => !all.some((s) => s.id === id));
  if (unknown.length > 0)
    throw new UsageError(
      `\`suites.${name}\` in ${currentProject().configFile} names no scenario ` +
        `${unknown.map((id) => `\`${id}\``).join(', ')} (scenarios: ${all.map((s) => s.id).join(', ') || 'none'})`,
    );
  const inSuite = all.filter((s) => s.suites.includes(name as SuiteName) || added.includes(s.id));
  if (inSuite.length === 0)
    throw new UsageError(
      `suite \`${name}\` has no scenario in ${currentProject().scenarios.join(', ')}: add one with \`"suites": ` +
        `["${name}"]\`, or run \`plugbench init\``,
    );
  return inSuite.sort((a, b) => (a.id < b.id ? -1 : 1));
}
