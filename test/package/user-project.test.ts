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

const SHOUTY = `use plugbench_sdk::{export_plugin, InputKind, Manifest, Plugin, PluginError};
struct Shouty;
impl Plugin for Shouty {
    fn manifest() -> Manifest { Manifest::new().op("shout", InputKind::Utf8, true).op("echo", InputKind::Bytes, true) }
    fn init(_config: &str) -> Result<Self, PluginError> { Ok(Shouty) }
    fn call(&mut self, op: &str, input: &[u8]) -> Result<Vec<u8>, PluginError> {
        match op {
            "shout" => std::str::from_utf8(input).map(|s| s.to_uppercase().into_bytes()).map_err(|_| PluginError::invalid_input("not UTF-8")),
            "echo" => Ok(input.to_vec()),
            _ => Err(PluginError::unsupported_op(op)),
        }
    }
}
export_plugin!(Shouty);
`;

/** Every file of a tree with its SHA-256 and mode: what "nothing was written there" is checked against. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const path = join(dir, file);
    const stat = statSync(path);
    files.set(file, stat.isDirectory() ? `dir ${stat.mode}` : `${stat.mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
  }
  return files;
}

function plugbench(...args: string[]): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [join(project, 'node_modules', '.bin', 'plugbench'), ...args], { cwd: project, env, encoding: 'utf8' });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function succeeds(...args: string[]): string {
  const { code, output } = plugbench(...args);
  assert.is(code, 0, `plugbench ${args.join(' ')} exited ${code}:\n${output.split('\n').slice(-40).join('\n')}`);
  return output;
}

test('in a new project outside the repository: install the packed tarball, then init, build, run, check, fuzz, compare, gate', () => {
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: packageRoot, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shouty-bench', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', join(project, tarball)], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
  assert.not.ok(existsSync(join(installed, 'harness', 'cli', 'main.ts')), 'the package ships compiled JavaScript, not the TypeScript sources');
  assert.not.ok(existsSync(join(project, 'node_modules', 'tsx')), 'no TypeScript loader is installed with the package');
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'Cargo.toml'), `[package]\nname = "shouty"\nversion = "0.3.0"\nedition = "2021"\n[lib]\ncrate-type = ["cdylib"]\n[dependencies]\nplugbench-sdk = { path = "node_modules/plugbench/fixtures/plugins/sdk" }\n`);
  writeFileSync(join(project, 'src', 'lib.rs'), SHOUTY);
  execFileSync('chmod', ['-R', 'a-w', installed]);
  const before = snapshot(installed);

  const init = succeeds('init');
  for (const file of ['plugbench.config.json', 'plugbench/scenarios/shouty-shout.json', 'plugbench/scenarios/shouty-echo.json', '.github/workflows/plugbench.yml']) {
    assert.ok(existsSync(join(project, file)), `init wrote ${file}`);
  }
  assert.match(init, 'npx plugbench run --suite smoke');
  assert.match(readFileSync(join(project, '.gitignore'), 'utf8'), '.plugbench/');
  const again = succeeds('init');
  assert.not.match(again, /^wrote/m, 'a second init changes nothing');
  writeFileSync(join(project, 'plugbench/scenarios/shouty-echo.json'), '{"edited": true}\n');
  assert.match(succeeds('init'), 'kept (differs; --force overwrites it) plugbench/scenarios/shouty-echo.json');
  assert.match(succeeds('init', '--force'), 'wrote     plugbench/scenarios/shouty-echo.json');

  succeeds('build');
  const run = succeeds('run', '--suite', 'smoke');
  const results = JSON.parse(readFileSync(join(project, 'reports', 'latest', 'results.json'), 'utf8'));
  assert.equal(results.scenarios.map((s: { id: string }) => s.id), ['shouty-echo', 'shouty-shout'], run);
  const lockHash = createHash('sha256').update(readFileSync(join(project, 'package-lock.json'))).digest('hex').slice(0, 12);
  assert.is(results.env.lockfile, lockHash, "the fingerprint hashes the project's lockfile");
  succeeds('baseline', 'save', 'reports/latest/results.json', '--name', 'main');
  assert.ok(existsSync(join(project, 'reports', 'baselines', 'main.json')));
  assert.match(succeeds('gate', 'reports/latest/results.json', '--baseline', 'main'), 'gate: PASS');

  // A hog that cannot reach the quota before its deadline on a loaded machine is reported, not failed on.
  const lanes = ['--lane', 'wasm-core@worker,native@process'];
  const check = succeeds('check', '--plugin', 'shouty', ...lanes, '--informational', 'fault.hog', '--out', 'reports/check');
  assert.match(check, /pass\s+native@process\s+fault\.segv/);
  assert.match(check, /pass\s+native@process\s+contract\.shout/);
  const only = succeeds('check', '--plugin', 'shouty', '--only-plugin', '--lane', 'wasm-core@worker', '--out', 'reports/check-only');
  assert.not.match(only, 'fault.');
  const fuzz = succeeds('fuzz', '--runs', '50', '--seed', '1', '--lane', 'wasm-core@worker,native@process', '--out', 'reports/fuzz');
  assert.match(fuzz, 'shouty shout');
  succeeds('compare', '--base', 'shouty', '--head', 'shouty', '--op', 'shout', '--lane', 'wasm-core@inproc', '--rounds', '3', '--out', 'reports/compare');

  // The Go host is built from the sources in the package into the project's .plugbench/.
  const goRun = ['run', '--plugin', 'shouty', '--op', 'echo', '--lane', 'wasm-core@go', '--calls', '2000', '--out', 'reports/go'];
  if (findGo() !== undefined) succeeds(...goRun);

  const bad = plugbench('run', '--suite', 'smoke', '--project', join(project, 'src'));
  assert.is(bad.code, 2, bad.output);
  assert.equal(snapshot(installed), before, 'nothing was written inside node_modules/plugbench');
});

test.run();
