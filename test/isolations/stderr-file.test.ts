import { fstatSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StderrFile, STDERR_TAIL_BYTES } from '../../harness/isolations/stderr-file.ts';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

// Each would wait for the harness to stop blocking for the answer, here the whole hold of 30 s
// (past the 15 s allowed): 1 MiB written to stderr fills a pipe to the harness at 64 KiB, and an
// input too large for the shared region crosses in writes the harness's event loop makes.
for (const lane of ['native@process', 'native@go']) {
  test(`${lane}: a call that logs 1 MiB, or takes 1 MiB, does not wait for a harness that blocks for its answer`, async () => {
    const opened = await openLane(fixture('faulty'), parseLane(lane), { trusted });
    const held = { deadlineMs: 60_000, holdMs: 30_000 };
    try {
      for (const [op, input] of [
        ['shout', Buffer.from('a plugin that logs a lot\n'.repeat(2_000))],
        ['echo', Buffer.alloc(1 << 20, 'y')],
      ] as const) {
        const { outcome, roundTripNs } = await opened.call(op, input, held);
        assert.ok(outcome.ok, JSON.stringify(outcome));
        assert.ok(roundTripNs < 15e9, `${op} of ${input.length} bytes took ${(roundTripNs / 1e9).toFixed(1)} s`);
      }
    } finally {
      await opened.close();
    }
  });
}

test('a stderr file is cut back to its tail when it grows past 1 MiB, and keeps the tail once closed', async () => {
  const stderr = new StderrFile();
  writeSync(stderr.fd, Buffer.alloc(2 << 20, 'x'));
  writeSync(stderr.fd, 'the last words\n');
  for (let waited = 0; fstatSync(stderr.fd).size > 1 << 20 && waited < 20_000; waited += 50) await sleep(50);
  assert.ok(fstatSync(stderr.fd).size < 1 << 20, 'trimmed');
  writeSync(stderr.fd, 'and a postscript\n');
  const tail = stderr.tail();
  assert.is(tail.length, STDERR_TAIL_BYTES);
  assert.ok(tail.endsWith('the last words\nand a postscript\n'), tail.slice(-60));
  stderr.close();
  assert.is(stderr.tail(), tail);
});

test.run();
