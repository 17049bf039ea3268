import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../../harness/paths.ts';

/** What a command carries before it does anything: every command module loaded, then a full GC. */
const PROBE = `
import { register } from 'tsx/esm/api';
register();
await import('./harness/cli/main.ts');
globalThis.gc(); globalThis.gc();
console.log(JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }));`;

/** The JS heap a plugin in-process shares: every mark-compact while it grows its memory walks it. */
const IDLE_HEAP_LIMIT_BYTES = 30 * 2 ** 20;

test('the CLI holds under 30 MiB of JS heap after start-up (fast-check binary strings and jco held ~100 MB)', () => {
  const args = ['--expose-gc', '--input-type=module', '-e', PROBE];
  const out = execFileSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' });
  const { heapUsed } = JSON.parse(out.trim()) as { heapUsed: number };
  assert.ok(heapUsed < IDLE_HEAP_LIMIT_BYTES, `heap used after start-up: ${(heapUsed / 2 ** 20).toFixed(1)} MiB`);
});

test.run();
