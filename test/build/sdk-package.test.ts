import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureToolchain } from '../../harness/build/toolchain.ts';
import { fixturesWorkspace } from '../../harness/paths.ts';

test('the SDK crate packs for crates.io: metadata, license, readme, no path-only dependency, and the packed crate builds', () => {
  const toolchain = ensureToolchain(() => {});
  const targetDir = mkdtempSync(join(tmpdir(), 'plugbench-sdk-package-'));
  const packed = spawnSync(toolchain.cargo, ['package', '--allow-dirty', '--target-dir', targetDir], {
    cwd: join(fixturesWorkspace, 'sdk'),
    env: toolchain.env,
    encoding: 'utf8',
  });
  assert.is(packed.status, 0, packed.stderr);
  assert.not.match(packed.stderr, /warning: manifest has no/);
  const listed = spawnSync(toolchain.cargo, ['package', '--list', '--allow-dirty', '--target-dir', targetDir], {
    cwd: join(fixturesWorkspace, 'sdk'),
    env: toolchain.env,
    encoding: 'utf8',
  });
  assert.match(listed.stdout, /^README\.md$/m);
});

test.run();
