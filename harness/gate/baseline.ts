import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import { currentProject } from '../project/project.ts';
import { RESULTS_SCHEMA, type Results, withLaneStates, writeFileAtomically } from '../report/results.ts';

/** Reads a results.json (or baseline), checking it is one; a file from before lane states reads as measured lanes. */
export function readResults(path: string): Results {
  let parsed: Results;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Results;
  } catch (e) {
    throw new UsageError(
      `cannot read results \`${path}\` (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the ` +
        `results.json a run wrote`,
    );
  }
  if (parsed.schema !== RESULTS_SCHEMA)
    throw new UsageError(
      `\`${path}\` is not a plugbench results file (schema \`${parsed.schema}\`, expected \`${RESULTS_SCHEMA}\`)`,
    );
  return withLaneStates(parsed);
}

/**
 * Saves results as the baseline `name` in the project's `baselines`
 * folder: histograms, thresholds and fingerprint included.
 */
export function saveBaseline(resultsPath: string, name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new UsageError(`baseline name \`${name}\` may hold only letters, digits, \`.\`, \`_\` and \`-\``);
  const results = readResults(resultsPath);
  const { baselinesDir } = currentProject();
  mkdirSync(baselinesDir, { recursive: true });
  const path = join(baselinesDir, `${name}.json`);
  writeFileAtomically(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}

/** Loads a baseline by name (the project's `baselines` folder, NAME.json) or by path. */
export function loadBaseline(nameOrPath: string): Results {
  const named = join(currentProject().baselinesDir, `${nameOrPath}.json`);
  if (existsSync(named)) return readResults(named);
  if (existsSync(nameOrPath)) return readResults(nameOrPath);
  throw new UsageError(
    `no baseline \`${nameOrPath}\`: save one with \`plugbench baseline save RESULTS --name ${nameOrPath}\`, or ` +
      `give a results.json path`,
  );
}

/**
 * Says loudly when head and baseline were measured in different environments; with
 * `strict`, that is a usage error instead of a warning.
 */
export function checkFingerprints(head: Pick<Results, 'env'>, baseline: Results, strict: boolean): string | undefined {
  if (head.env.fingerprint === baseline.env.fingerprint) return undefined;
  const differences = (['cpu', 'cores', 'os', 'node', 'toolchain', 'lockfile'] as const)
    .filter((k) => head.env[k] !== baseline.env[k])
    .map((k) => `${k}: ${baseline.env[k]} → ${head.env[k]}`);
  const message =
    `the baseline was measured in another environment (fingerprint ${baseline.env.fingerprint} → ` +
    `${head.env.fingerprint}; ${differences.join('; ')}): comparisons across machines mislead`;
  if (strict) throw new UsageError(`${message}. Re-measure the baseline here, or drop \`--strict-env\``);
  return message;
}
