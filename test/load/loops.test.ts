import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openLane } from '../../harness/lanes/open-lane.ts';
import type { Lane } from '../../harness/isolations/lane.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { closedLoop } from '../../harness/load/closed-loop.ts';
import { TICK_EVERY_MS } from '../../harness/load/model.ts';
import { openLoop } from '../../harness/load/open-loop.ts';
import { type CallTarget, targetOf } from '../../harness/load/target.ts';
import { type Clock, hrClock } from '../../harness/measure/clock.ts';
import { LaneRecording } from '../../harness/measure/recording.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

/** A clock that moves on by `stepNs` at every read, whatever the real time: the loops see only it. */
function steppingClock(stepNs: number): Clock & { reads: number } {
  const clock = {
    reads: 0,
    nowNs: () => clock.reads++ * stepNs,
  };
  return clock;
}

const echo = (body: (lane: Lane) => Promise<void>) => async () => {
  const lane = await openLane(fixture('textkit'), parseLane('wasm-core@inproc'), { trusted });
  try {
    await body(lane);
  } finally {
    await lane.close();
  }
};
const input = () => new Uint8Array([1, 2, 3]);

test(
  'closed loop: duration, ticks and latencies follow the clock it is given, not the real one',
  echo(async (lane) => {
    // Each read is 1 ms: a call is timed by two reads, so it lasts 1 ms on this clock.
    const clock = steppingClock(1e6);
    const ticks: number[] = [];
    const recording = new LaneRecording(false);
    const report = await closedLoop(
      [targetOf(lane)],
      'echo',
      input,
      { bound: { durationMs: 1000 }, clock, tick: async (calls) => void ticks.push(calls) },
      recording,
    );
    // In real time the loop takes a few ms: ticks by the real clock would be 0 or 1.
    assert.ok(ticks.length >= 1000 / TICK_EVERY_MS - 1 && ticks.length <= 1000 / TICK_EVERY_MS, `${ticks.length}`);
    assert.ok(report.elapsedNs >= 1000e6 && report.elapsedNs < 1010e6, `elapsed ${report.elapsedNs} ns`);
    assert.is(report.elapsedNs, (clock.reads - 1) * 1e6, 'elapsed: from the first read of the given clock to its last');
    assert.ok(recording.calls > 400 && recording.calls <= 500, `${recording.calls} calls of 2 ms each`);
    const { p50, max } = recording.latency.summary();
    // HDR's 3 significant digits: within 0.1 %.
    assert.ok(
      Math.abs(p50 - 1e6) <= 1e3 && Math.abs(max - 1e6) <= 1e3,
      `every call 1 ms on the given clock: ${p50}, ${max}`,
    );
    assert.equal(recording.errors, {});
    recording.destroy();
  }),
);

test(
  'closed loop: a tick by calls comes every `tickEveryCalls`, a timed batch ending at it',
  echo(async (lane) => {
    const ticks: number[] = [];
    const recording = new LaneRecording(false);
    await closedLoop(
      [targetOf(lane)],
      'echo',
      input,
      {
        bound: { calls: 1000 },
        clock: steppingClock(1),
        batchSize: 64,
        tickEveryCalls: 100,
        tickEveryMs: Number.POSITIVE_INFINITY,
        tick: async (calls) => void ticks.push(calls),
      },
      recording,
    );
    assert.equal(
      ticks,
      Array.from({ length: 9 }, (_, i) => (i + 1) * 100),
    );
    assert.is(recording.calls, 1000);
    recording.destroy();
  }),
);

test(
  'open loop: calls are due on the given clock, and it spins there when a call is due soon',
  echo(async (lane) => {
    // 1000 calls a second for 300 ms on a clock of 50 µs a read: 300 calls, none late.
    const clock = steppingClock(50e3);
    const ticks: number[] = [];
    const recording = new LaneRecording(true);
    const report = await openLoop(
      targetOf(lane),
      'echo',
      input,
      { ratePerSec: 1000, bound: { durationMs: 300 }, clock, tick: async (calls) => void ticks.push(calls) },
      recording,
    );
    assert.is(recording.calls, 300);
    assert.is(recording.late, 0);
    assert.is(recording.dropped, 0);
    assert.is(ticks.length, 300 / TICK_EVERY_MS - 1, `a tick every ${TICK_EVERY_MS} ms of the given clock`);
    assert.ok(report.elapsedNs >= 299e6 && report.elapsedNs < 301e6, `elapsed ${report.elapsedNs} ns`);
    assert.ok(
      Math.abs(report.achievedRatePerSec - 1000) < 25,
      `achieved ${report.achievedRatePerSec}/s on the given clock`,
    );
    recording.destroy();
  }),
);

/** A worker lane's target that records the hold each call is given. */
async function holdsOf(run: (target: CallTarget) => Promise<unknown>): Promise<(number | undefined)[]> {
  const lane = await openLane(fixture('textkit'), parseLane('wasm-core@worker'), { trusted });
  try {
    const real = targetOf(lane) as Extract<CallTarget, { sync: false }>;
    const holds: (number | undefined)[] = [];
    await run({ sync: false, call: (op, in_, holdMs) => (holds.push(holdMs), real.call(op, in_, holdMs)) });
    return holds;
  } finally {
    await lane.close();
  }
}

test('a lone closed-loop caller blocks until its next tick at most; callers sharing a loop keep the short default', async () => {
  const closed = (targets: CallTarget[]) => {
    const recording = new LaneRecording(false);
    const tick = async () => {};
    return closedLoop(targets, 'echo', input, { bound: { calls: 200 }, clock: hrClock, tick }, recording).finally(() =>
      recording.destroy(),
    );
  };
  const lone = await holdsOf((target) => closed([target]));
  assert.is(lone.length, 200);
  assert.ok(
    lone.every((h) => h !== undefined && h >= 0 && h <= TICK_EVERY_MS),
    `holds within the tick: ${lone.slice(0, 5)}`,
  );
  assert.ok(
    lone.some((h) => h! > TICK_EVERY_MS / 2),
    'and long where the tick is far',
  );
  const shared = await holdsOf((target) => closed([target, target]));
  assert.ok(
    shared.every((h) => h === undefined),
    'two callers on one loop: no hold given',
  );
});

test('an open-loop call blocks until the next send is due at most', async () => {
  const holds = await holdsOf((target) => {
    const recording = new LaneRecording(true);
    const options = { ratePerSec: 500, bound: { calls: 100 }, clock: hrClock };
    return openLoop(target, 'echo', input, options, recording).finally(() => recording.destroy());
  });
  assert.is(holds.length, 100);
  assert.ok(
    holds.every((h) => h !== undefined && h >= 0 && h <= 2),
    `within the 2 ms between sends: ${holds.filter((h) => !(h! <= 2)).slice(0, 5)}`,
  );
});

test.run();
