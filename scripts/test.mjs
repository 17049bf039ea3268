// Type-checks, runs the uvu suites under test/, and ends with the one line CI reads:
// `N passed, N failed, N skipped`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const typecheck = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '--noEmit', '-p', root], { stdio: 'inherit' });
const typecheckFailed = typecheck.status !== 0 ? 1 : 0;

const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(process.execPath, ['--import', 'tsx', `${root}node_modules/uvu/bin.js`, 'test', pattern], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
const status = await new Promise((resolve) => child.on('close', resolve));
const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output.replace(/\x1b\[[0-9;]*m/g, ''))?.[1] ?? 0);
const [total, passed, skipped] = [count('Total'), count('Passed'), count('Skipped')];
const failed = Math.max(total - passed - skipped, status === 0 ? 0 : 1) + typecheckFailed;
if (typecheckFailed) console.log('typecheck: failed (counted as one failure)');
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
