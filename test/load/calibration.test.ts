import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallOutcome } from '../../harness/contract/errors.ts';
import { CALIBRATION_CALLS, typicalCallNs } from '../../harness/load/calibration.ts';
import type { CallTarget } from '../../harness/load/target.ts';

/** A sync target whose every call moves a fake clock on by `callNs`, counting calls and recycles. */
function fakeTarget(callNs: number, outcome: CallOutcome = { ok: true, output: new Uint8Array() }) {
  let nowNs = 0;
  const counts = { calls: 0, recycles: 0 };
  const target: CallTarget = {
    sync: true,
    call: () => {
      counts.calls++;
      nowNs += callNs;
      return outcome;
    },
    recycle: async () => {
      counts.recycles++;
    },
  };
  return { target, counts, clock: { nowNs: () => nowNs } };
}

const input = () => new Uint8Array();

test('a fast op is calibrated on 201 calls and gives their median', async () => {
  const { target, counts, clock } = fakeTarget(1000);
  assert.is(await typicalCallNs(target, 'echo', input, clock), 1000);
  assert.is(counts.calls, CALIBRATION_CALLS);
});

test('an op that takes seconds is calibrated on one call, not 201 (which took ten minutes)', async () => {
  const { target, counts, clock } = fakeTarget(3e9);
  assert.is(await typicalCallNs(target, 'hog', input, clock), 3e9);
  assert.is(counts.calls, 1);
});

test('an op of 1 ms stops at the 50 ms budget', async () => {
  const { target, counts, clock } = fakeTarget(1e6);
  assert.is(await typicalCallNs(target, 'slow', input, clock), 1e6);
  assert.is(counts.calls, 50);
});

test('a poisoning outcome recycles the instance before the next calibration call', async () => {
  const { target, counts, clock } = fakeTarget(20e6, { ok: false, failure: { kind: 'trap', message: 'unreachable' } });
  await typicalCallNs(target, 'panic', input, clock);
  assert.is(counts.calls, 3);
  assert.is(counts.recycles, 3);
});

test('an isolated target is not calibrated (its calls are timed one by one)', async () => {
  const target: CallTarget = { sync: false, call: () => Promise.reject(new Error('must not be called')) };
  assert.is(await typicalCallNs(target, 'echo', input, { nowNs: () => 0 }), Number.POSITIVE_INFINITY);
});

test.run();
