import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stderrExcerpt } from '../../harness/isolations/supervised-lane.ts';

// What a native@process child printed when a plugin closed fds 3..64 in a call (a user's plugin, by hand).
const CLOSED_FDS = `node:fs:933
  handleErrorFromBinding(ctx);
  ^

Error: EBADF: bad file descriptor, write
    at writeSync (node:fs:933:3)
    at FrameCallSource.answer (file:///x/dist/harness/isolations/call-frames.js:90:20) {
  errno: -9,
  syscall: 'write',
  code: 'EBADF'
}

Node.js v20.20.2`;

test('a child that died of a JavaScript error is summed up by that error, not by its last lines', () => {
  const excerpt = stderrExcerpt(CLOSED_FDS);
  assert.ok(excerpt.startsWith('Error: EBADF: bad file descriptor, write'), excerpt);
  assert.match(excerpt, /the plugin closed a file descriptor/);
  assert.not.match(excerpt, /Node\.js v20/);
});

test("a plugin's own output keeps its last lines", () => {
  const rust = 'stack backtrace:\nmemory allocation of 786432 bytes failed\nskipping backtrace printing';
  assert.is(
    stderrExcerpt(rust),
    'stack backtrace: | memory allocation of 786432 bytes failed | skipping backtrace printing',
  );
  assert.is(
    stderrExcerpt('thread caused non-unwinding panic. aborting.'),
    'thread caused non-unwinding panic. aborting.',
  );
});

test.run();
