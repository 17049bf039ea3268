import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

/** Children of this process that host lanes (Node, or the Go host), with their state letter (Z = zombie). */
function children(): Array<{ pid: number; state: string }> {
  const found: Array<{ pid: number; state: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && (name === 'node' || name.startsWith('plugbench-go')))
        found.push({ pid: Number(entry), state: fields[0]! });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Children after Node has had up to two seconds to reap the ones that just ended. */
async function settledChildren(expected: number): Promise<Array<{ pid: number; state: string }>> {
  let now = children();
  for (let i = 0; i < 20 && (now.length > expected || now.some((c) => c.state === 'Z')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    now = children();
  }
  return now;
}

for (const isolation of ['process', 'go'] as const) {
  test(`crashes, timeouts and close leave no child process and no zombie behind (native@${isolation})`, async () => {
    const before = children().length;
    const lane = await openLane(fixture('faulty'), { boundary: 'native', isolation }, { trusted });
    const pids = new Set<number>();
    for (const op of ['segv', 'abort', 'echo', 'spin', 'echo']) {
      const call = await lane.call(op, new Uint8Array(), { deadlineMs: 300 });
      pids.add((lane as unknown as { pid: number }).pid);
      assert.is(call.outcome.ok, op === 'echo', op);
    }
    assert.ok(pids.size >= 3, 'each crash and timeout replaced the process');
    await lane.close();
    const after = await settledChildren(before);
    assert.equal(
      after.filter((c) => c.state === 'Z'),
      [],
      'no zombie',
    );
    assert.is(after.length, before, `no leftover children: ${JSON.stringify(after)}`);
  });
}

test('a call in flight when the process dies is answered with a structured crash, and later calls queue for the new one', async () => {
  const lane = await openLane(fixture('faulty'), { boundary: 'native', isolation: 'process' }, { trusted });
  const calls = await Promise.all([
    lane.call('segv', new Uint8Array()),
    lane.call('echo', new Uint8Array([1])),
    lane.call('echo', new Uint8Array([2])),
  ]);
  assert.is(!calls[0]!.outcome.ok && calls[0]!.outcome.failure.kind, 'crash');
  assert.equal(
    calls.slice(1).map((c) => c.outcome.ok && [...c.outcome.output]),
    [[1], [2]],
  );
  await lane.close();
});

/** Whether a process is there and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

for (const isolation of ['process', 'go'] as const) {
  test(`a process the plugin started dies with its host, which then crashes and closes on time (native@${isolation})`, async () => {
    const lane = await openLane(fixture('faulty'), { boundary: 'native', isolation }, { trusted });
    const started = await lane.call('orphan', new Uint8Array());
    assert.ok(started.outcome.ok, JSON.stringify(started.outcome));
    const orphan = Number(Buffer.from(started.outcome.output).readBigUInt64LE());
    assert.ok(running(orphan), 'the plugin started a process');
    // The orphan holds the host's pipes: the crash must still be noticed, and the orphan killed with its host.
    const crashed = await lane.call('abort', new Uint8Array(), { deadlineMs: 2000 });
    assert.is(!crashed.outcome.ok && crashed.outcome.failure.kind, 'crash');
    for (let i = 0; i < 20 && running(orphan); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.not.ok(running(orphan), `the plugin's process ${orphan} outlived its host`);
    // One that left its host's process group is adopted by the harness when its host dies, and killed.
    const ran = await lane.call('runaway', new Uint8Array());
    assert.ok(ran.outcome.ok, JSON.stringify(ran.outcome));
    const runaway = Number(Buffer.from(ran.outcome.output).readBigUInt64LE());
    await lane.call('abort', new Uint8Array(), { deadlineMs: 2000 });
    for (let i = 0; i < 20 && running(runaway); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.not.ok(running(runaway), `the process ${runaway} that left its host's group outlived its host`);
    const again = await lane.call('orphan', new Uint8Array());
    assert.ok(again.outcome.ok);
    const second = Number(Buffer.from(again.outcome.output).readBigUInt64LE());
    await lane.close();
    for (let i = 0; i < 20 && running(second); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.not.ok(running(second), `the plugin's process ${second} outlived the lane's close`);
  });
}

test.run();
