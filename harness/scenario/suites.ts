import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../contract/errors.ts';
import { packageRoot } from '../paths.ts';
import { resolveScenario, type Scenario, type ScenarioOptions, SUITES, type SuiteName } from './scenario.ts';

/** The built-in scenarios, one per file in `scenarios/`. */
export const scenariosDir = join(packageRoot, 'scenarios');

/** Loads and validates every scenario file in a directory; ids must be unique. */
export async function loadScenarios(dir = scenariosDir): Promise<Scenario[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { default?: ScenarioOptions };
    if (module.default === undefined) throw new UsageError(`scenario file \`${file}\` has no default export: write \`export default scenario({ ... })\``);
    scenarios.push(resolveScenario(module.default, `scenarios/${file}`));
  }
  const seen = new Map<string, string>();
  for (const s of scenarios) {
    const other = seen.get(s.id);
    if (other) throw new UsageError(`scenario id \`${s.id}\` is used by both ${other} and ${s.source}; ids must be unique`);
    seen.set(s.id, s.source);
  }
  return scenarios;
}

/** The scenarios of a suite, in a stable order (by id). */
export async function loadSuite(name: string): Promise<Scenario[]> {
  if (!(SUITES as readonly string[]).includes(name)) throw new UsageError(`\`${name}\` is not a suite: choose one of ${SUITES.join(', ')} (see \`plugbench list\`)`);
  return (await loadScenarios()).filter((s) => s.suites.includes(name as SuiteName)).sort((a, b) => (a.id < b.id ? -1 : 1));
}
