import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GO_HOST_EXIT } from '../../harness/contract/generated.ts';
import { endingFailure, stderrExcerpt } from '../../harness/isolations/supervised-lane.ts';

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

// How a native@go host died under its memory quota in a user's trial (a plugin that leaves a thread running per call).
const OUT_OF_QUOTA: Array<[code: number | null, signal: NodeJS.Signals | null, stderr: string]> = [
  [
    GO_HOST_EXIT.quota,
    null,
    'plugbench-go-host: cannot replace the instance after a panic: the memory quota leaves no room to map a fresh copy',
  ],
  [127, null, 'cannot allocate memory for thread-local data: ABORT'],
  [null, 'SIGABRT', 'runtime/cgo: pthread_create failed: Resource temporarily unavailable'],
  [2, null, 'fatal error: runtime: out of memory\n\ngoroutine 1 [running]:'],
  [null, 'SIGABRT', 'memory allocation of 786432 bytes failed'],
];

test('a process that died for want of memory under its quota is resource-exhausted; any other death is a crash', () => {
  for (const [code, signal, stderr] of OUT_OF_QUOTA)
    assert.is(endingFailure({ code, signal }, stderr).kind, 'resource-exhausted', stderr);
  const fatal = endingFailure({ code: GO_HOST_EXIT.fatal, signal: null }, 'plugbench-go-host: bad frame');
  assert.is(fatal.kind, 'crash');
  assert.match(fatal.message, /exited with code 3; stderr: plugbench-go-host: bad frame/);
  assert.is(endingFailure({ code: null, signal: 'SIGSEGV' }, '').kind, 'crash');
});

test.run();
