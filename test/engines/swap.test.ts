import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PluginMeta } from '../../harness/contract/provenance.ts';
import type { Boundary } from '../../harness/engines/instance.ts';
import { openInstance } from '../../harness/engines/open-instance.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

/**
 * The artifact is replaced by a FIFO that serves the genuine bytes to the first reader and a
 * different plugin to any second reader. A host that verified one read and loaded another
 * would load the impostor; plugbench must read once and load exactly what it hashed.
 */
async function loadThroughSwappingFifo(boundary: Boundary, pick: (meta: PluginMeta) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'plugbench-swap-'));
  cpSync(fixture('textkit'), dir, { recursive: true });
  const meta = JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')) as PluginMeta;
  const file = join(dir, pick(meta));
  const genuine = join(dir, 'genuine.bin');
  cpSync(file, genuine);
  const impostor = join(
    fixture('slowpoke'),
    pick(JSON.parse(readFileSync(join(fixture('slowpoke'), 'plugin.json'), 'utf8')) as PluginMeta),
  );
  rmSync(file);
  execFileSync('mkfifo', [file]);
  const writer = spawn(
    'sh',
    [
      '-c',
      `cat "$1" > "$3"; echo first-read-done; sleep 0.1; cat "$2" > "$3"; echo second-read-done`,
      'sh',
      genuine,
      impostor,
      file,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let said = '';
  writer.stdout.on('data', (chunk) => (said += chunk));
  const instance = await openInstance(dir, boundary, { trusted });
  await new Promise((resolve) => setTimeout(resolve, 300));
  writer.kill();
  return { instance, said };
}

test('a file swapped between verification and load: the core module is read once', async () => {
  const { instance, said } = await loadThroughSwappingFifo('wasm-core', (m) => m.artifacts.wasm!.file);
  assert.is(instance.manifest.name, 'textkit');
  assert.is(said.trim(), 'first-read-done', 'the file was opened exactly once');
});

test('a file swapped between verification and load: the shared library is read once and opened from a private copy', async () => {
  const { instance, said } = await loadThroughSwappingFifo('native', (m) => m.artifacts.native!.file);
  assert.is(instance.manifest.name, 'textkit');
  assert.is(said.trim(), 'first-read-done', 'the file was opened exactly once');
});

test.run();
