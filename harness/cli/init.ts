import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { buildPlugins } from '../build/build-plugins.ts';
import { UsageError } from '../contract/errors.ts';
import { openInstance } from '../engines/open-instance.ts';
import { CONFIG_FILE } from '../paths.ts';
import { currentProject, useProject } from '../project/project.ts';
import { GITIGNORE_LINES, initialConfig, initialScenario, initialWorkflow } from './init-templates.ts';
import { projectTrustedKeys } from '../project/trust.ts';
import { writeFileAtomically } from '../report/results.ts';
import { type CliCommand, EXIT } from './command.ts';

/** What happened to one file: written, already as `init` would write it, or kept because it differs. */
type FileOutcome = 'wrote' | 'unchanged' | 'kept (differs; --force overwrites it)';

function writeUnlessThere(path: string, text: string, force: boolean): FileOutcome {
  if (existsSync(path)) {
    if (readFileSync(path, 'utf8') === text) return 'unchanged';
    if (!force) return 'kept (differs; --force overwrites it)';
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomically(path, text);
  return 'wrote';
}

/** Adds the lines .gitignore lacks, never removing or reordering the user's. */
function extendGitignore(path: string): FileOutcome {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const present = new Set(before.split('\n').map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((line) => !present.has(line));
  if (missing.length === 0) return 'unchanged';
  const separator = before === '' || before.endsWith('\n') ? '' : '\n';
  const comment = '# plugbench: local state and run output (baselines are committed)';
  writeFileSync(path, `${before}${separator}${comment}\n${missing.join('\n')}\n`);
  return 'wrote';
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const initCommand: CliCommand<{ force: boolean }> = {
  command: 'init',
  describe: 'Set up plugbench in a crate or workspace: config, scenarios (from a build), .gitignore, CI workflow',
  builder: (yargs) => {
    const describe = 'overwrite the files that differ from what init writes';
    const force = { type: 'boolean', default: false, describe } as const;
    return yargs.option('force', force) as never;
  },
  handler: async (args) => {
    const root = currentProject().root;
    if (!existsSync(join(root, 'Cargo.toml'))) {
      const fix = "run `plugbench init` at the root of your plugin's crate or workspace (or give `--project DIR`)";
      throw new UsageError(`\`${root}\` has no Cargo.toml: ${fix}`);
    }
    const say = (outcome: FileOutcome, path: string) => console.log(`${outcome.padEnd(9)} ${relative(root, path)}`);
    const configPath = join(root, CONFIG_FILE);
    say(writeUnlessThere(configPath, json(initialConfig()), args.force), configPath);
    // The project as the config now on disk describes it (the user's own, when one was kept).
    const project = useProject(root);
    const log = (line: string) => console.error(line);
    const crates = project.crates.map((c) => relative(root, c) || '.');
    log(`building ${crates.join(', ')} to read the manifest of each plugin`);
    const built = await buildPlugins({ crates: project.crates, outDir: project.buildDir, log });
    const trusted = projectTrustedKeys();
    const scenariosDir = project.scenarios.find((path) => !/\.(json|m?js|ts)$/.test(path));
    for (const plugin of built) {
      const instance = await openInstance(plugin.dir, 'wasm-core', { trusted });
      try {
        if (scenariosDir === undefined) {
          log(`\`scenarios\` in ${CONFIG_FILE} lists files, not a folder: add ${plugin.name}'s scenarios yourself`);
          continue;
        }
        for (const op of instance.manifest.ops) {
          const path = join(scenariosDir, `${plugin.name}-${op.name}.json`);
          say(writeUnlessThere(path, json(initialScenario(plugin.name, op.name)), args.force), path);
        }
      } finally {
        instance.close();
      }
    }
    say(extendGitignore(join(root, '.gitignore')), join(root, '.gitignore'));
    const workflow = join(root, '.github', 'workflows', 'plugbench.yml');
    say(writeUnlessThere(workflow, initialWorkflow(built.map((p) => p.name)), args.force), workflow);
    const baseline = `${relative(root, project.baselinesDir)}/main.json`;
    console.log('\nnext:\n  npx plugbench run --suite smoke');
    console.log(`  npx plugbench baseline save reports/latest/results.json --name main   # then commit ${baseline}`);
    return EXIT.pass;
  },
};
