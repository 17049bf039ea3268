import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import { CONFIG_FILE } from '../paths.ts';
import { parseLane } from '../lanes/registry.ts';
import { type PolicyOptions, resolvePolicy } from '../contract/policy-options.ts';

/** The names of the built-in suites. */
export const SUITES = ['smoke', 'nightly', 'release'] as const;
export type SuiteName = (typeof SUITES)[number];

/**
 * `plugbench.config.json` as a user writes it; every path is relative to the project root.
 * Every key is optional.
 */
export interface ProjectConfigOptions {
  /** Crate or workspace directories that `plugbench build` builds. @default ['.'] */
  crates?: string[];
  /** Where built plugins are written, `<build>/<name>/plugin.json`. @default '.plugbench/build' */
  build?: string;
  /** A scenarios folder, or a list of scenario files (`.json`, `.js`, `.mjs`). @default 'plugbench/scenarios' */
  scenarios?: string | string[];
  /** More members of a suite by scenario id, besides the scenarios that name the suite. @default {} */
  suites?: Partial<Record<SuiteName, string[]>>;
  /** Lanes of `check`, `fuzz` and ad hoc `run` when none is given. @default each command's own */
  lanes?: string[];
  /** Plugins `fuzz` fuzzes when no `--plugin` is given. @default every plugin built from `crates` */
  plugins?: string[];
  /** What the host allows a plugin, under a scenario's `policy` and the quota flags. @default DEFAULT_POLICY */
  policy?: PolicyOptions;
  /** Where named baselines are saved and read (commit it). @default 'reports/baselines' */
  baselines?: string;
  /** Fuzz inputs that once failed, replayed first (commit it). @default 'plugbench/corpus' */
  corpus?: string;
  /** Public key files (PEM) trusted besides the project's development key. @default [] */
  trustedKeys?: string[];
}

const KNOWN_KEYS = [
  'crates',
  'build',
  'scenarios',
  'suites',
  'lanes',
  'plugins',
  'policy',
  'baselines',
  'corpus',
  'trustedKeys',
];
const POLICY_KEYS = ['memoryQuota', 'deadlineQuota', 'grants'];
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '');
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const got = (value: unknown) => `got ${JSON.stringify(value)}`;

/** Every problem of a config at once, each naming the key, the value and what was expected. */
export function configProblems(raw: unknown): string[] {
  if (!isObject(raw)) return [`the file must hold a JSON object, ${got(raw)}`];
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) problems.push(`unknown key \`${key}\` (known: ${KNOWN_KEYS.join(', ')})`);
  }
  for (const key of ['crates', 'plugins', 'trustedKeys']) {
    if (raw[key] !== undefined && !isStringList(raw[key])) {
      problems.push(`\`${key}\` must be a list of non-empty strings, ${got(raw[key])}`);
    }
  }
  for (const key of ['build', 'baselines', 'corpus']) {
    if (raw[key] !== undefined && (typeof raw[key] !== 'string' || raw[key] === '')) {
      problems.push(`\`${key}\` must be a folder path, ${got(raw[key])}`);
    }
  }
  const { scenarios, lanes, suites } = raw;
  if (scenarios !== undefined && !(typeof scenarios === 'string' && scenarios !== '') && !isStringList(scenarios)) {
    problems.push(`\`scenarios\` must be a folder or a list of scenario files, ${got(scenarios)}`);
  }
  if (lanes !== undefined && !isStringList(lanes)) {
    problems.push(`\`lanes\` must be a list like ["wasm-core@worker", "native@process"], ${got(lanes)}`);
  }
  for (const lane of isStringList(lanes) ? lanes : []) {
    try {
      parseLane(lane);
    } catch (e) {
      problems.push(`\`lanes\`: ${(e as Error).message}`);
    }
  }
  if (suites !== undefined && !isObject(suites)) {
    problems.push(`\`suites\` must map a suite to scenario ids, e.g. {"nightly": ["my-op"]}, ${got(suites)}`);
  }
  for (const [name, ids] of Object.entries(isObject(suites) ? suites : {})) {
    if (!(SUITES as readonly string[]).includes(name)) {
      problems.push(`\`suites\`: \`${name}\` is not a suite (${SUITES.join(', ')})`);
    }
    if (!isStringList(ids)) problems.push(`\`suites.${name}\` must be a list of scenario ids, ${got(ids)}`);
  }
  return [...problems, ...policyProblems(raw.policy)];
}

function policyProblems(policy: unknown): string[] {
  if (policy === undefined) return [];
  if (!isObject(policy)) {
    const example = '{"memoryQuota": "64MiB", "deadlineQuota": "1s", "grants": ["log"]}';
    return [`\`policy\` must be an object like ${example}, ${got(policy)}`];
  }
  // The same rules as a scenario's `policy` and the quota flags.
  return resolvePolicy(policy, (field) => `policy.${field}`).problems;
}

/** Reads and validates `<root>/plugbench.config.json`; `{}` when there is none. */
export function readProjectConfig(root: string): ProjectConfigOptions {
  const path = join(root, CONFIG_FILE);
  if (!existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const fix = 'fix it, or write a new one with `plugbench init --force`';
    throw new UsageError(`\`${path}\` is not valid JSON (${(e as Error).message}): ${fix}`);
  }
  const problems = configProblems(raw);
  if (problems.length > 0) throw new UsageError(`\`${path}\` is invalid:\n  ${problems.join('\n  ')}`);
  return raw as ProjectConfigOptions;
}
