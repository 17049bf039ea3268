// Makes a fresh clone ready with no step before it: installs npm packages when the lockfile
// changed, then builds the fixture plugins (which installs the Rust toolchain when missing
// and allowed). Plain JavaScript: it runs before any dependency exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}node_modules/.plugbench-lock-sha256`;
const lockHash = createHash('sha256').update(readFileSync(`${root}package-lock.json`)).digest('hex');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bootstrap: \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 3);
  }
}

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.error('bootstrap: installing npm packages (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stamp, lockHash);
}
run(process.execPath, [`${root}bin/plugbench.js`, 'build', ...(process.env.CI ? [] : ['--quiet'])]);
