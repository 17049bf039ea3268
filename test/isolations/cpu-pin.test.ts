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

test('a Go host opened with `hostCpu` runs on that CPU alone, and calls work', async () => {
  const cpu = sharedCpu();
  if (cpu === undefined) return; // one CPU, or no taskset: nothing to pin
  const lane = (await openLane(fixture('textkit'), parseLane('native@go'), {
    trusted,
    hostCpu: cpu,
  })) as SupervisedLane;
  try {
    assert.is(allowedCpusOf(lane.pid!), String(cpu));
    const { outcome } = await lane.call('tokenize', new TextEncoder().encode('one two'));
    assert.ok(outcome.ok);
  } finally {
    await lane.close();
  }
});

test("a child opened with `hostCpu` calls its plugin on that CPU alone (sched_setaffinity on its own thread)", async () => {
  const cpu = sharedCpu();
  if (cpu === undefined) return;
  const lane = (await openLane(fixture('textkit'), parseLane('native@process'), {
    trusted,
    hostCpu: cpu,
  })) as SupervisedLane;
  try {
    // The main thread's id is the process id: the thread that calls the plugin.
    assert.is(allowedCpusOf(lane.pid!), String(cpu));
    const { outcome } = await lane.call('tokenize', new TextEncoder().encode('one two'));
    assert.ok(outcome.ok);
  } finally {
    await lane.close();
  }
});

test.run();
