import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../harness/contract/errors.ts';
import { parseShard, sliceForShard } from '../../harness/scenario/shard.ts';
import { loadSuite } from '../../harness/scenario/suites.ts';

test('the shards of a suite partition it: together they hold every scenario exactly once', async () => {
  for (const suite of ['smoke', 'nightly', 'release']) {
    const all = (await loadSuite(suite)).map((s) => s.id);
    for (const count of [1, 2, 3, 4]) {
      const shards = Array.from({ length: count }, (_, i) => sliceForShard(all, { index: i + 1, count }));
      assert.equal(shards.flat().sort(), [...all].sort(), `${suite} in ${count}`);
      assert.equal(sliceForShard(all, { index: 1, count }), shards[0], 'deterministic');
    }
  }
});

test('a malformed shard says what it expects', () => {
  for (const bad of ['0/2', '3/2', 'a/b', '2'])
    assert.throws(
      () => parseShard(bad),
      (e: unknown) => e instanceof UsageError && /must be I\/N/.test(e.message),
      bad,
    );
  assert.equal(parseShard('2/4'), { index: 2, count: 4 });
});

test.run();
