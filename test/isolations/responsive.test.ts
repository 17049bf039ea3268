import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { watchEventLoop } from '../../harness/measure/event-loop.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

test('while a plugin spins in a worker and in a process, the harness keeps serving other plugins', async () => {
  const spinners = await Promise.all([
    openLane(fixture('faulty'), { boundary: 'wasm-core', isolation: 'worker' }, { trusted }),
    openLane(fixture('faulty'), { boundary: 'native', isolation: 'process' }, { trusted }),
  ]);
  const others = await Promise.all([
    openLane(fixture('textkit'), { boundary: 'wasm-core', isolation: 'inproc' }, { trusted }),
    openLane(fixture('textkit'), { boundary: 'native', isolation: 'process' }, { trusted }),
  ]);
  const loop = watchEventLoop();
  const spinning = spinners.map((lane) => lane.call('spin', new Uint8Array(), { deadlineMs: 800 }));
  let served = 0;
  const deadline = performance.now() + 600;
  while (performance.now() < deadline) {
    const answers = await Promise.all(others.map((lane) => lane.call('echo', new Uint8Array([served & 0xff]))));
    if (answers.every((a) => a.outcome.ok)) served++;
  }
  const spun = await Promise.all(spinning);
  const delay = loop.stop();
  assert.equal(
    spun.map((s) => !s.outcome.ok && s.outcome.failure.kind),
    ['timeout', 'timeout'],
  );
  assert.ok(served >= 50, `only ${served} rounds of calls to other plugins were served while two plugins spun`);
  assert.ok(delay.p99Ns < 100e6, `event-loop delay p99 ${delay.p99Ns} ns`);
  await Promise.all([...spinners, ...others].map((lane) => lane.close()));
});

test.run();
