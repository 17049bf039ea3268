import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import { KNOWN_CAPABILITIES } from '../contract/policy.ts';
import { parseLane } from '../lanes/lane.ts';
import { parseDurationMs } from '../scenario/duration.ts';
import { SUITES } from '../scenario/scenario.ts';

/** The project file at the root of a plugin author's repository. */
export const CONFIG_FILE = 'plugbench.config.json';

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
  /** More members of a suite by scenario id, besides the scenarios that name the suite themselves. @default {} */
  suites?: Partial<Record<(typeof SUITES)[number], string[]>>;
  /** Lanes of `check`, `fuzz` and ad hoc `run` when none is given. @default each command's own */
  lanes?: string[];
  /** Plugins of `fuzz` and `check` when no `--plugin` is given. @default every plugin built from `crates` */
  plugins?: string[];
  /** What the host allows a plugin: quotas and grants. @default 256 MiB, 10 s, `log` and `clock` */
  policy?: { memoryQuota?: string | number; deadlineQuota?: string | number; grants?: string[] };
  /** Where named baselines are saved and read (commit it). @default 'reports/baselines' */
  baselines?: string;
  /** Fuzz inputs that once failed, replayed first (commit it). @default 'plugbench/corpus' */
  corpus?: string;
  /** Public key files (PEM) trusted besides the project's development key. @default [] */
  trustedKeys?: string[];
}

const KNOWN_KEYS = ['crates', 'build', 'scenarios', 'suites', 'lanes', 'plugins', 'policy', 'baselines', 'corpus', 'trustedKeys'];
const POLICY_KEYS = ['memoryQuota', 'deadlineQuota', 'grants'];
const BYTE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Parses `64MiB`, `512KiB` or a bare number of bytes; undefined when malformed. */
export function parseBytes(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?\s*$/.exec(text);
  const bytes = match ? Math.round(Number(match[1]) * BYTE_UNITS[match[2] ?? 'B']!) : 0;
  return bytes > 0 ? bytes : undefined;
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '');

/** Every problem of a config at once, each naming the key, the value and what was expected. */
export function configProblems(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [`the file must hold a JSON object, got ${JSON.stringify(raw)}`];
  const config = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(config)) if (!KNOWN_KEYS.includes(key)) problems.push(`unknown key \`${key}\` (known: ${KNOWN_KEYS.join(', ')})`);
  for (const key of ['crates', 'plugins', 'trustedKeys'] as const) {
    if (config[key] !== undefined && !isStringList(config[key])) problems.push(`\`${key}\` must be a list of non-empty strings, got ${JSON.stringify(config[key])}`);
  }
  for (const key of ['build', 'baselines', 'corpus'] as const) {
    if (config[key] !== undefined && (typeof config[key] !== 'string' || config[key] === '')) problems.push(`\`${key}\` must be a folder path, got ${JSON.stringify(config[key])}`);
  }
  const scenarios = config.scenarios;
  if (scenarios !== undefined && !(typeof scenarios === 'string' && scenarios !== '') && !isStringList(scenarios)) {
    problems.push(`\`scenarios\` must be a folder or a list of scenario files, got ${JSON.stringify(scenarios)}`);
  }
  if (config.lanes !== undefined) {
    if (!isStringList(config.lanes)) problems.push(`\`lanes\` must be a list like ["wasm-core@worker", "native@process"], got ${JSON.stringify(config.lanes)}`);
    else {
      for (const lane of config.lanes) {
        try {
          parseLane(lane);
        } catch (e) {
          problems.push(`\`lanes\`: ${(e as Error).message}`);
        }
      }
    }
  }
  const suites = config.suites;
  if (suites !== undefined) {
    if (typeof suites !== 'object' || suites === null || Array.isArray(suites)) problems.push(`\`suites\` must map a suite to scenario ids, e.g. {"nightly": ["my-op"]}, got ${JSON.stringify(suites)}`);
    else {
      for (const [name, ids] of Object.entries(suites)) {
        if (!(SUITES as readonly string[]).includes(name)) problems.push(`\`suites\`: \`${name}\` is not a suite (${SUITES.join(', ')})`);
        if (!isStringList(ids)) problems.push(`\`suites.${name}\` must be a list of scenario ids, got ${JSON.stringify(ids)}`);
      }
    }
  }
  problems.push(...policyProblems(config.policy));
  return problems;
}

function policyProblems(policy: unknown): string[] {
  if (policy === undefined) return [];
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return [`\`policy\` must be an object like {"memoryQuota": "64MiB", "deadlineQuota": "1s", "grants": ["log"]}, got ${JSON.stringify(policy)}`];
  const { memoryQuota, deadlineQuota, grants, ...rest } = policy as Record<string, unknown>;
  const problems = Object.keys(rest).map((key) => `unknown key \`policy.${key}\` (known: ${POLICY_KEYS.join(', ')})`);
  if (memoryQuota !== undefined && ((typeof memoryQuota !== 'string' && typeof memoryQuota !== 'number') || parseBytes(memoryQuota) === undefined)) {
    problems.push(`\`policy.memoryQuota\` must be a size like \`64MiB\` or a number of bytes, got ${JSON.stringify(memoryQuota)}`);
  }
  if (deadlineQuota !== undefined && ((typeof deadlineQuota !== 'string' && typeof deadlineQuota !== 'number') || parseDurationMs(deadlineQuota) === undefined)) {
    problems.push(`\`policy.deadlineQuota\` must be a duration like \`1s\` or a number of milliseconds, got ${JSON.stringify(deadlineQuota)}`);
  }
  if (grants !== undefined) {
    if (!isStringList(grants)) problems.push(`\`policy.grants\` must be a list of capabilities, got ${JSON.stringify(grants)}`);
    else for (const g of grants) if (!(KNOWN_CAPABILITIES as readonly string[]).includes(g)) problems.push(`\`policy.grants\`: \`${g}\` is never granted (known: ${KNOWN_CAPABILITIES.join(', ')})`);
  }
  return problems;
}

/** Reads and validates `<root>/plugbench.config.json`; `{}` when there is none. */
export function readProjectConfig(root: string): ProjectConfigOptions {
  const path = join(root, CONFIG_FILE);
  if (!existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`\`${path}\` is not valid JSON (${(e as Error).message}): fix it, or run \`plugbench init --force\` to write a new one`);
  }
  const problems = configProblems(raw);
  if (problems.length > 0) throw new UsageError(`\`${path}\` is invalid:\n  ${problems.join('\n  ')}`);
  return raw as ProjectConfigOptions;
}
