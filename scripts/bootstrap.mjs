// Makes a fresh clone ready with no step before it: installs npm packages when the lockfile
// changed, then builds the fixture plugins (which installs the Rust toolchain when missing
// and allowed). Plain JavaScript: it runs before any dependency exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}node_modules/.plugbench-lock-sha256`;
const lockHash = createHash('sha256')
  .update(readFileSync(`${root}package-lock.json`))
  .digest('hex');

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bootstrap: \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 3);
  }
}

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.error('bootstrap: installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  warmNpmCacheForPackageTest();
  writeFileSync(stamp, lockHash);
}
// `npm ci` caches tarballs but not the registry's package documents, and the package test
// installs the packed tarball into a new project offline (no network in tests), which resolves
// plugbench's dependencies against those documents: installing the same dependencies once fills them.
function warmNpmCacheForPackageTest() {
  const { dependencies } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  const project = mkdtempSync(join(tmpdir(), 'plugbench-npm-cache-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'warm-cache', private: true, dependencies }));
  console.error("bootstrap: caching the registry's documents for the package test (npm install in a scratch project)");
  const flags = ['--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts', '--package-lock=false'];
  run('npm', ['install', ...flags], project);
  rmSync(project, { recursive: true, force: true });
}

// Debian's Chromium renders report.html in the report test; installed like the Rust toolchain.
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].some((p) =>
  existsSync(p),
);
if (!chromium) {
  if (process.getuid?.() === 0 && !process.env.PLUGBENCH_NO_INSTALL) {
    console.error('bootstrap: installing Chromium for the report test (apt-get install chromium)');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  } else {
    console.error(
      'bootstrap: Chromium is missing, so the report test will fail; install it with: apt-get install -y --no-install-recommends chromium',
    );
  }
}
run(process.execPath, [`${root}bin/plugbench.js`, 'build', ...(process.env.CI ? [] : ['--quiet'])]);
// The guided-fuzzing tests need coverage builds of a few fixtures (incremental after the first).
const coverageFixtures = ['planted', 'handmade', 'faulty'].map((name) => `${root}fixtures/plugins/${name}`);
run(process.execPath, [
  `${root}bin/plugbench.js`,
  'build',
  ...coverageFixtures,
  '--coverage',
  ...(process.env.CI ? [] : ['--quiet']),
]);
