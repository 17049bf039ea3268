import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onCpu, sharedCpu } from '../../harness/isolations/cpu-pin.ts';
import { openLane } from '../../harness/lanes/open-lane.ts';
import type { SupervisedLane } from '../../harness/isolations/supervised-lane.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

const allowedCpusOf = (pid: number) =>
  /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

test('sharedCpu is the last CPU this process may use, on a machine with more than one', () => {
  const mine = allowedCpusOf(process.pid)!;
  const last = Number(mine.split(/[,-]/).at(-1));
  assert.is(sharedCpu(), /[,-]/.test(mine) ? last : undefined);
});

test('without a CPU the Go host starts as it is; with one, through taskset on that CPU alone', () => {
  assert.equal(onCpu('/bin/host', undefined), ['/bin/host', []]);
  const [command, args] = onCpu('/bin/host', 1);
  assert.match(command, /taskset$/);
  assert.equal(args, ['--cpu-list', '1', '/bin/host']);
});

// The Go host and all its threads through taskset; a child's main thread (whose id is the
// process id), the one that calls the plugin, with sched_setaffinity on itself. A pinned Go host
// keeps a second P, so that sysmon does not hand a cgo call's P to a thread on the same CPU.
for (const lane of ['native@go', 'native@process']) {
  test(`${lane} opened with \`hostCpu\` calls its plugin on that CPU alone`, async () => {
    const cpu = sharedCpu();
    if (cpu === undefined) return; // one CPU, or no taskset: nothing to pin
    const opened = (await openLane(fixture('textkit'), parseLane(lane), { trusted, hostCpu: cpu })) as SupervisedLane;
    try {
      assert.is(allowedCpusOf(opened.pid!), String(cpu));
      if (lane === 'native@go') {
        assert.match(readFileSync(`/proc/${opened.pid}/environ`, 'latin1'), /(^|\0)GOMAXPROCS=2\0/);
      }
      const { outcome } = await opened.call('tokenize', new TextEncoder().encode('one two'));
      assert.ok(outcome.ok);
    } finally {
      await opened.close();
    }
  });
}

test.run();
