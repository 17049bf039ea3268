import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyPolicy, DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import type { PluginMeta } from '../contract/provenance.ts';
import { resolvePolicy } from '../contract/policy-options.ts';
import { CONFIG_FILE, findProjectRoot, setProjectRoot } from '../paths.ts';
import { type ProjectConfigOptions, readProjectConfig } from './config.ts';

/**
 * The user's repository as plugbench sees it: every path read or written at run time is
 * resolved here, never inside the installed package.
 */
export interface Project {
  root: string;
  /** The config file, when there is one. */
  configFile?: string;
  /** Crate or workspace directories `plugbench build` builds, absolute. */
  crates: string[];
  buildDir: string;
  /** Scenario folders or files, absolute. */
  scenarios: string[];
  suites: NonNullable<ProjectConfigOptions['suites']>;
  lanes?: string[];
  plugins?: string[];
  policy: HostPolicy;
  baselinesDir: string;
  corpusDir: string;
  trustedKeyFiles: string[];
  /** `reports/latest`: where commands that measure write by default. */
  latestReportDir: string;
}

/** Reads the project at `root`: its config (validated) with every default filled in. */
export function openProject(root: string): Project {
  const config = readProjectConfig(root);
  const at = (path: string) => resolve(root, path);
  const scenarios = config.scenarios ?? 'plugbench/scenarios';
  return {
    root,
    ...(existsSync(join(root, CONFIG_FILE)) ? { configFile: join(root, CONFIG_FILE) } : {}),
    crates: (config.crates ?? ['.']).map(at),
    buildDir: at(config.build ?? '.plugbench/build'),
    scenarios: (typeof scenarios === 'string' ? [scenarios] : scenarios).map(at),
    suites: config.suites ?? {},
    ...(config.lanes ? { lanes: config.lanes } : {}),
    ...(config.plugins ? { plugins: config.plugins } : {}),
    // Validated with the config: no problem is left.
    policy: applyPolicy(DEFAULT_POLICY, resolvePolicy(config.policy ?? {}, (field) => `policy.${field}`).overrides),
    baselinesDir: at(config.baselines ?? 'reports/baselines'),
    corpusDir: at(config.corpus ?? 'plugbench/corpus'),
    trustedKeyFiles: (config.trustedKeys ?? []).map(at),
    latestReportDir: at('reports/latest'),
  };
}

let current: Project | undefined;

/**
 * Makes `dir` (or, without one, the nearest directory with a config from the current
 * directory up, else the current directory) the project of this process.
 */
export function useProject(dir?: string): Project {
  current = openProject(dir !== undefined ? resolve(dir) : findProjectRoot(process.cwd()));
  setProjectRoot(current.root);
  return current;
}

/** The project of this process, opened from the current directory on first use. */
export function currentProject(): Project {
  return current ?? useProject();
}

/** The project's own plugins: the config's `plugins`, else those in its build dir built from one of its crates. */
export function projectPlugins(project: Project = currentProject()): string[] {
  if (project.plugins) return project.plugins;
  if (!existsSync(project.buildDir)) return [];
  const fromCrates = (crate: string) => project.crates.some((dir) => crate === dir || crate.startsWith(`${dir}/`));
  const crateOf = (meta: string) => String((JSON.parse(readFileSync(meta, 'utf8')) as PluginMeta).build?.crate ?? '');
  return readdirSync(project.buildDir)
    .filter((name) => {
      const meta = join(project.buildDir, name, 'plugin.json');
      return existsSync(meta) && fromCrates(crateOf(meta));
    })
    .sort();
}
