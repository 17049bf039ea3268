// `npm pack` runs this (prepack): compiles the harness to dist/ with tsc, so the installed
// package runs plain JavaScript with no TypeScript loader, and copies beside it the files the
// compiled code reads by relative URL (contract schemas, WIT, C header and shim, worker and child entries).
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const ASSETS = /\.(mjs|json|wit|h|c)$/;

rmSync(dist, { recursive: true, force: true });
const tscArgs = [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')];
const tsc = spawnSync(process.execPath, tscArgs, { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 3);
for (const file of readdirSync(join(root, 'harness'), { recursive: true, encoding: 'utf8' })) {
  // The Go host is built from its sources where they are shipped (harness/hosts/go), not from dist/.
  if (!ASSETS.test(file) || file.startsWith('hosts')) continue;
  cpSync(join(root, 'harness', file), join(dist, 'harness', file), { force: true });
}
console.error(`build-package: compiled the harness into ${dist}`);
