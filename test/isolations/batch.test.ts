import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { canBatch } from '../../harness/isolations/lane.ts';
import { fixture, trusted } from '../helpers/plugins.ts';

test('a batch crosses once and times every call inside; a crash mid-batch ends it and the lane recovers', async () => {
  const lane = await openLane(fixture('faulty'), { boundary: 'native', isolation: 'process' }, { trusted });
  assert.ok(canBatch(lane));
  if (!canBatch(lane)) return;
  const ok = await lane.callBatch('echo', new Uint8Array(64), 500);
  assert.is(ok.innerNs.length, 500);
  assert.equal(ok.failures, []);
  assert.ok(ok.innerNs.every((ns) => ns > 0));
  const crashed = await lane.callBatch('segv', new Uint8Array(), 10);
  assert.is(crashed.failures[0]?.kind, 'crash');
  const after = await lane.callBatch('echo', new Uint8Array([1]), 3);
  assert.is(after.innerNs.length, 3);
  await lane.close();
});

test('a panic mid-batch ends the batch on a recycled instance', async () => {
  const lane = await openLane(fixture('faulty'), { boundary: 'wasm-core', isolation: 'worker' }, { trusted });
  if (!canBatch(lane)) throw new Error('worker lanes batch');
  const result = await lane.callBatch('panic', new Uint8Array(), 50);
  assert.is(result.innerNs.length, 1);
  assert.is(result.failures[0]?.kind, 'panic');
  assert.is(lane.recycles.at(-1)?.cause, 'panic');
  assert.is((await lane.callBatch('echo', new Uint8Array([2]), 5)).innerNs.length, 5);
  await lane.close();
});

test.run();
