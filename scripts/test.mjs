// Type-checks, checks the generated contract constants for drift, the format and the length of
// harness/'s lines and its layering (scripts/layering.mjs), runs the uvu suites under test/ and
// the Go host's `go test`, and ends with the one line CI reads:
// `N passed, N failed, N skipped`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const typecheck = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '--noEmit', '-p', root], {
  stdio: 'inherit',
});
const typecheckFailed = typecheck.status !== 0 ? 1 : 0;
const drift = spawnSync(process.execPath, [`${root}scripts/contract-gen.mjs`, '--check'], { stdio: 'inherit' });
const driftFailed = drift.status !== 0 ? 1 : 0;
const format = spawnSync(
  process.execPath,
  [
    `${root}node_modules/prettier/bin/prettier.cjs`,
    '--check',
    '--log-level',
    'warn',
    'harness',
    'test',
    'bench',
    'scripts',
    'bin',
  ],
  { cwd: root, stdio: 'inherit' },
);
const formatFailed = format.status !== 0 ? 1 : 0;
const layering = spawnSync(process.execPath, [`${root}scripts/layering.mjs`], { stdio: 'inherit' });
const layeringFailed = layering.status !== 0 ? 1 : 0;
const lineLength = spawnSync(process.execPath, [`${root}scripts/line-length.mjs`], { stdio: 'inherit' });
const lineLengthFailed = lineLength.status !== 0 ? 1 : 0;

const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(process.execPath, ['--import', 'tsx', `${root}node_modules/uvu/bin.js`, 'test', pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
const status = await new Promise((resolve) => child.on('close', resolve));
const count = (label) =>
  Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output.replace(/\x1b\[[0-9;]*m/g, ''))?.[1] ?? 0);
const [total, passed, skipped] = [count('Total'), count('Passed'), count('Skipped')];

/** The Go host's own suite (conformance table, golden frames, load loops): top-level tests counted. */
function goTests() {
  if (process.argv[2] !== undefined) return { passed: 0, failed: 0, skipped: 0 };
  const go = spawnSync('go', ['test', '-v', '-count=1', './...'], { cwd: `${root}harness/hosts/go`, encoding: 'utf8' });
  if (go.error) {
    console.log('go test: skipped, Go is not installed (the @go lanes need it too)');
    return { passed: 0, failed: 0, skipped: 1 };
  }
  process.stdout.write(
    go.stdout
      .split('\n')
      .filter((l) => /^(--- |FAIL|ok)/.test(l) || /_test\.go/.test(l))
      .join('\n') + '\n',
  );
  process.stderr.write(go.stderr);
  const top = (word) => go.stdout.split('\n').filter((l) => l.startsWith(`--- ${word}: `)).length;
  return { passed: top('PASS'), failed: Math.max(top('FAIL'), go.status === 0 ? 0 : 1), skipped: top('SKIP') };
}
const go = goTests();

const failed =
  Math.max(total - passed - skipped, status === 0 ? 0 : 1) +
  typecheckFailed +
  driftFailed +
  formatFailed +
  layeringFailed +
  lineLengthFailed +
  go.failed;
if (typecheckFailed) console.log('typecheck: failed (counted as one failure)');
if (formatFailed) console.log('format: files differ from Prettier (run `npm run format`; counted as one failure)');
if (lineLengthFailed)
  console.log('line length: lines of harness/ over 120 characters, listed above (counted as one failure)');
if (layeringFailed)
  console.log(
    'layering: an import points up a floor or closes a circle (.dependency-cruiser.cjs; counted as one failure)',
  );
if (driftFailed)
  console.log('contract constants: drifted from harness/contract/contract.json (counted as one failure)');
console.log(`${passed + go.passed} passed, ${failed} failed, ${skipped + go.skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
