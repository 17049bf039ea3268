// What a plugin author does: pack plugbench, install the tarball into a new project outside
// the repository with a plugin crate of its own, and run every command there. The installed
// package is made read-only and its files are compared before and after: nothing may be
// written inside node_modules/plugbench. Slow (npm install, cargo builds): one test, done once.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findGo } from '../../harness/build/go-host.ts';
import { packageRoot } from '../../harness/paths.ts';

const project = mkdtempSync(join(tmpdir(), 'plugbench-user-'));
const installed = join(project, 'node_modules', 'plugbench');
// A user's cargo target dir and fixture cache outlive one run; these reuse the checkout's std build.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CARGO_TARGET_DIR: join(packageRoot, '.plugbench', 'target'),
  PLUGBENCH_CACHE: join(packageRoot, '.plugbench', 'user-cache'),
  PLUGBENCH_NO_INSTALL: '1',
};
delete env.PLUGBENCH_HOME;

// A workspace root of its own, as many plugin repositories are: the SDK under node_modules then
// becomes a member of it and must not inherit from a workspace it is not in.
const CARGO_TOML = `[workspace]
[package]
name = "shouty"
version = "0.3.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
[dependencies]
plugbench-sdk = { path = "node_modules/plugbench/fixtures/plugins/sdk" }
`;

const SHOUTY = `use plugbench_sdk::{export_plugin, InputKind, Manifest, Plugin, PluginError};
struct Shouty;
impl Plugin for Shouty {
    fn manifest() -> Manifest {
        Manifest::new().op("shout", InputKind::Utf8, true).op("echo", InputKind::Bytes, true)
    }
    fn init(_config: &str) -> Result<Self, PluginError> { Ok(Shouty) }
    fn call(&mut self, op: &str, input: &[u8]) -> Result<Vec<u8>, PluginError> {
        match op {
            "shout" => std::str::from_utf8(input)
                .map(|s| s.to_uppercase().into_bytes())
                .map_err(|_| PluginError::invalid_input("not UTF-8")),
            "echo" => Ok(input.to_vec()),
            _ => Err(PluginError::unsupported_op(op)),
        }
    }
}
export_plugin!(Shouty);
`;

interface CheckRow {
  id: string;
  plugin: string;
  lane: string;
  status: string;
}

/** Every file of a tree with its mode and SHA-256: what "nothing was written there" is checked against. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, file);
    const stat = statSync(path);
    const content = stat.isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(path)).digest('hex');
    files.set(file, `${stat.mode} ${content}`);
  }
  return files;
}

function plugbench(...args: string[]): { code: number | null; output: string } {
  const bin = join(project, 'node_modules', '.bin', 'plugbench');
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: project, env, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function succeeds(...args: string[]): string {
  const { code, output } = plugbench(...args);
  assert.is(code, 0, `plugbench ${args.join(' ')} exited ${code}:\n${output.split('\n').slice(-40).join('\n')}`);
  return output;
}

const readResults = (dir: string) => JSON.parse(readFileSync(join(project, 'reports', dir, 'results.json'), 'utf8'));

test('in a new project outside the repository: install the packed tarball, then init, build, run, check, fuzz, compare, gate', () => {
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], {
    cwd: packageRoot,
    encoding: 'utf8',
  });
  const tarball = join(project, packed.trim().split('\n').at(-1)!);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shouty-bench', private: true }));
  // From npm's cache, which the bootstrap's `npm ci` filled: no network in tests.
  const install = ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', tarball];
  execFileSync('npm', install, { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.not.ok(
    existsSync(join(installed, 'harness', 'cli', 'main.ts')),
    'the package ships JavaScript, not TypeScript',
  );
  assert.not.ok(existsSync(join(project, 'node_modules', 'tsx')), 'no TypeScript loader is installed with the package');
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'Cargo.toml'), CARGO_TOML);
  writeFileSync(join(project, 'src', 'lib.rs'), SHOUTY);
  execFileSync('chmod', ['-R', 'a-w', installed]);
  const before = snapshot(installed);

  const init = succeeds('init');
  const written = [
    'plugbench.config.json',
    'plugbench/scenarios/shouty-shout.json',
    'plugbench/scenarios/shouty-echo.json',
  ];
  for (const file of [...written, '.github/workflows/plugbench.yml'])
    assert.ok(existsSync(join(project, file)), `init wrote ${file}`);
  assert.match(init, 'npx plugbench run --suite smoke');
  assert.match(readFileSync(join(project, '.gitignore'), 'utf8'), '.plugbench/');
  assert.not.match(succeeds('init'), /^wrote/m, 'a second init changes nothing');
  writeFileSync(join(project, 'plugbench/scenarios/shouty-echo.json'), '{"edited": true}\n');
  assert.match(succeeds('init'), 'kept (differs; --force overwrites it) plugbench/scenarios/shouty-echo.json');
  assert.match(succeeds('init', '--force'), 'wrote     plugbench/scenarios/shouty-echo.json');

  succeeds('build');
  const run = succeeds('run', '--suite', 'smoke');
  const results = readResults('latest');
  assert.equal(
    results.scenarios.map((s: { id: string }) => s.id),
    ['shouty-echo', 'shouty-shout'],
    run,
  );
  const lockfile = createHash('sha256')
    .update(readFileSync(join(project, 'package-lock.json')))
    .digest('hex')
    .slice(0, 12);
  assert.is(results.env.lockfile, lockfile, "the fingerprint hashes the project's lockfile");
  succeeds('baseline', 'save', 'reports/latest/results.json', '--name', 'main');
  assert.ok(existsSync(join(project, 'reports', 'baselines', 'main.json')));
  assert.match(succeeds('gate', 'reports/latest/results.json', '--baseline', 'main'), 'gate: PASS');

  // The matrix's faults race 200 ms deadlines, which a loaded machine can lose (fault.hog, fault.abort):
  // here it is enough that it ran on the reference fixtures and that every check of the user's plugin passed.
  const lanes = ['--lane', 'wasm-core@worker,native@process'];
  const check = plugbench('check', '--plugin', 'shouty', ...lanes, '--out', 'reports/check');
  assert.ok(check.code === 0 || check.code === 1, check.output);
  const checks = readResults('check').checks as CheckRow[];
  assert.ok(
    checks.some((c) => c.id === 'fault.segv' && c.lane === 'native@process' && c.status === 'pass'),
    check.output,
  );
  const own = checks.filter((c) => c.plugin === 'shouty');
  assert.ok(
    own.some((c) => c.id === 'contract.shout'),
    check.output,
  );
  assert.equal(
    own.filter((c) => c.status !== 'pass'),
    [],
    'every check of the plugin passes',
  );
  const only = succeeds(
    'check',
    '--plugin',
    'shouty',
    '--only-plugin',
    '--lane',
    'wasm-core@worker',
    '--out',
    'reports/only',
  );
  assert.not.match(only, 'fault.');
  assert.match(succeeds('fuzz', '--runs', '50', '--seed', '1', ...lanes, '--out', 'reports/fuzz'), 'shouty shout');
  const ab = ['--base', 'shouty', '--head', 'shouty', '--op', 'shout', '--lane', 'wasm-core@inproc', '--rounds', '3'];
  succeeds('compare', ...ab, '--out', 'reports/compare');
  // The Go host is built from the sources in the package into the project's .plugbench/.
  const goRun = [
    '--plugin',
    'shouty',
    '--op',
    'echo',
    '--lane',
    'wasm-core@go',
    '--calls',
    '2000',
    '--out',
    'reports/go',
  ];
  if (findGo() !== undefined) succeeds('run', ...goRun);

  const noScenarios = plugbench('run', '--suite', 'smoke', '--project', join(project, 'src'));
  assert.is(noScenarios.code, 2, noScenarios.output);
  assert.equal(snapshot(installed), before, 'nothing was written inside node_modules/plugbench');
});

test.run();
