import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Endpoint, spawnChild, spawnWorker } from '../../harness/isolations/endpoint.ts';
import { NodeHostLane } from '../../harness/isolations/node-host-lane.ts';
import { openLane } from '../../harness/lanes/open-lane.ts';
import { parseLane } from '../../harness/lanes/registry.ts';
import { openRequestOf } from '../../harness/isolations/open-request.ts';
import type { Reply } from '../../harness/isolations/protocol.ts';
import { SharedBufferMemory, SharedCallClient, SharedCallSource } from '../../harness/isolations/shared-calls.ts';
import { canBatch, type Lane } from '../../harness/isolations/lane.ts';
import { fixture, trusted, u64 } from '../helpers/plugins.ts';

const failureKind = (call: Awaited<ReturnType<Lane['call']>>) => (call.outcome.ok ? 'ok' : call.outcome.failure.kind);

async function echoes(lane: Lane, sizes: number[]): Promise<void> {
  for (const size of sizes) {
    const input = randomBytes(size);
    const { outcome } = await lane.call('echo', input);
    assert.ok(
      outcome.ok && Buffer.from(outcome.output).equals(input),
      `${lane.name}: echo of ${size} bytes came back intact`,
    );
  }
}

for (const lane of [
  'wasm-core@worker',
  'wasm-component@worker',
  'native@worker',
  'native@process',
  'wasm-core@process',
] as const) {
  test(`${lane}: calls of 0 B to 1 MiB cross intact (the shared buffer grows), failures keep their kind and code, batches too`, async () => {
    const [boundary, isolation] = lane.split('@') as ['wasm-core', 'worker'];
    const opened = await openLane(fixture('faulty'), { boundary, isolation }, { trusted });
    try {
      await echoes(opened, [0, 64, 70_000, 1 << 20, 64]);
      const refused = await opened.call('leak', new Uint8Array(3));
      assert.equal(refused.outcome.ok ? undefined : refused.outcome.failure, {
        kind: 'plugin',
        code: 'invalid-input',
        message: 'expected an 8-byte u64 LE, got 3 bytes',
      });
      const panicked = await opened.call('panic', new Uint8Array());
      assert.is(failureKind(panicked), 'panic');
      assert.ok(panicked.recycleMs !== undefined || opened.recycles.length > 0, 'the panic recycled the instance');
      await echoes(opened, [16]);
      if (!canBatch(opened)) throw new Error(`${lane} batches`);
      const batch = await opened.callBatch('echo', new Uint8Array(64), 200);
      assert.equal([batch.innerNs.length, batch.failures], [200, []]);
      const broken = await opened.callBatch('panic', new Uint8Array(), 20);
      assert.equal(
        [broken.innerNs.length, broken.failures[0]?.kind, opened.recycles.at(-1)?.cause],
        [1, 'panic', 'panic'],
      );
      await echoes(opened, [16]);
    } finally {
      await opened.close();
    }
  });
}

for (const lane of ['native@process', 'wasm-core@process'] as const) {
  test(`${lane}: answers that spill to the child's pipe, each followed by calls in its region, never hang`, async () => {
    const [boundary, isolation] = lane.split('@') as ['native', 'process'];
    const opened = await openLane(fixture('faulty'), { boundary, isolation }, { trusted });
    try {
      for (let round = 0; round < 20; round++) {
        let timer: NodeJS.Timeout | undefined;
        const hung = new Promise<string>(
          (resolve) => (timer = setTimeout(() => resolve(`hung in round ${round}`), 10_000)),
        );
        const done = echoes(opened, [1 << 20, 64, 0]).then(() => 'ok');
        const outcome = await Promise.race([done, hung]);
        // A hung call is ended by killing its child, so that the lane closes and the test fails instead of hanging.
        if (outcome !== 'ok') process.kill((opened as unknown as { pid: number }).pid, 'SIGKILL');
        assert.is(outcome, 'ok');
        clearTimeout(timer);
      }
    } finally {
      await opened.close();
    }
  });
}

test('a worker terminated in the middle of a call (deadline) is replaced, and the next calls cross on a new shared buffer', async () => {
  const lane = await openLane(fixture('faulty'), { boundary: 'wasm-core', isolation: 'worker' }, { trusted });
  try {
    const calls = [
      lane.call('spin', new Uint8Array(), { deadlineMs: 300 }),
      lane.call('echo', new Uint8Array([1, 2, 3])),
    ];
    const [spun, echoed] = await Promise.all(calls);
    assert.is(failureKind(spun!), 'timeout');
    assert.equal(echoed!.outcome, { ok: true, output: new Uint8Array([1, 2, 3]) });
    await echoes(lane, [100_000]);
  } finally {
    await lane.close();
  }
});

for (const lane of ['wasm-core@worker', 'native@process'] as const) {
  test(`${lane}: a call's hold never outlasts its deadline (the deadline's timer runs on the blocked thread)`, async () => {
    const opened = await openLane(fixture('faulty'), parseLane(lane), { trusted });
    try {
      const started = performance.now();
      const spun = await opened.call('spin', new Uint8Array(), { deadlineMs: 300, holdMs: 60_000 });
      const elapsedMs = performance.now() - started;
      assert.is(failureKind(spun), 'timeout');
      // Held for the whole hold, the timer would have run after 60 s.
      assert.ok(elapsedMs < 10_000, `stopped after ${elapsedMs.toFixed(0)} ms`);
    } finally {
      await opened.close();
    }
  });
}

test('a worker that ends while the harness waits for its answer ends the wait at once', async () => {
  const endpoint = spawnWorker(256);
  const replies: Reply[] = [];
  endpoint.onMessage((reply: Reply) => replies.push(reply));
  const ready = new Promise<void>((resolve) =>
    endpoint.onMessage((reply: Reply) => reply.type === 'ready' && resolve()),
  );
  endpoint.send({
    type: 'open',
    dir: fixture('faulty'),
    boundary: 'wasm-core',
    trustedKeysPem: trusted.map((k) => k.key.export({ type: 'spki', format: 'pem' }).toString()),
    grants: ['log', 'clock'],
    quotas: { memoryBytes: 64 << 20, callTimeoutMs: 10_000 },
    maxOutputBytes: 1 << 20,
    config: '{}',
    limitNativeMemory: false,
  });
  await ready;
  endpoint.send({ type: 'call', id: 1, op: 'spin', input: new Uint8Array() });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  await endpoint.kill();
  await endpoint.ended;
  assert.ok(performance.now() - started < 2000, `the worker ended ${performance.now() - started} ms after the kill`);
  assert.equal(
    replies.filter((r) => r.type === 'called'),
    [],
    'no answer is made up for the call',
  );
});

test('a child killed in the middle of a call, or while it writes a large answer, is a crash; the harness reads on intact', async () => {
  const lane = await openLane(fixture('faulty'), { boundary: 'native', isolation: 'process' }, { trusted });
  const pidOf = () => (lane as unknown as { pid: number }).pid;
  try {
    const sleeping = lane.call('slow', u64(5000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(pidOf(), 'SIGKILL');
    const slept = await sleeping;
    assert.is(failureKind(slept), 'crash');
    assert.match(slept.outcome.ok ? '' : slept.outcome.failure.message, 'killed by SIGKILL');
    // The replacement is loaded before it is killed in turn.
    await echoes(lane, [8]);
    // Killed at different points of a 32 MiB answer: either it arrived whole or the call crashed.
    const input = randomBytes(32 << 20);
    for (const delayMs of [5, 20, 60]) {
      const answer = lane.call('echo', input);
      const pid = pidOf();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      process.kill(pid, 'SIGKILL');
      const { outcome } = await answer;
      assert.ok(
        outcome.ok ? Buffer.from(outcome.output).equals(input) : outcome.failure.kind === 'crash',
        `killed after ${delayMs} ms: ${outcome.ok ? 'ok' : outcome.failure.message}`,
      );
      await echoes(lane, [64, 70_000]);
    }
  } finally {
    await lane.close();
  }
});

for (const lane of ['wasm-core@worker', 'native@process'] as const) {
  test(`${lane}: killed in the middle of a call or a batch on the shared channel, it is a crash at once and the next call runs on a fresh instance`, async () => {
    const [boundary, isolation] = lane.split('@') as ['wasm-core', 'worker'];
    const id = { boundary, isolation };
    const spawned: Endpoint[] = [];
    const spawn = () => {
      const endpoint = isolation === 'worker' ? spawnWorker(256) : spawnChild();
      spawned.push(endpoint);
      return endpoint;
    };
    // RLIMIT_DATA stays off: the test is about the channel, not the quota.
    const request = openRequestOf(fixture('faulty'), id, { trusted }, '{}', false);
    const opened = await NodeHostLane.open(id, request, spawn, { enforced: true, by: 'kill' });
    const killAll = () => Promise.all(spawned.map((endpoint) => endpoint.kill()));
    try {
      // A 5 s call: the harness sleeps in its event loop for the answer when the kill comes.
      const sleeping = opened.call('slow', u64(5000));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const killedAt = performance.now();
      await killAll();
      const slept = await sleeping;
      assert.is(failureKind(slept), 'crash');
      assert.ok(
        performance.now() - killedAt < 1000,
        `the call ended ${performance.now() - killedAt} ms after the kill`,
      );
      await echoes(opened, [64, 70_000]);
      const batch = opened.callBatch('slow', u64(1000), 10);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await killAll();
      const broken = await batch;
      assert.equal([broken.innerNs.length, broken.failures[0]?.kind], [0, 'crash']);
      await echoes(opened, [64]);
      // The largest batch answer does not fit a child's region: it spills to the pipe.
      const big = await opened.callBatch('echo', new Uint8Array(64), 10_000);
      assert.equal([big.innerNs.length, big.failures], [10_000, []]);
      assert.equal(
        opened.recycles.map((r) => r.cause),
        ['crash', 'crash'],
      );
    } finally {
      await opened.close();
    }
  });
}

test('an answer whose length or kind does not fit the channel is refused, not read', async () => {
  const buffer = new SharedArrayBuffer(4096);
  const broken: string[] = [];
  const client = new SharedCallClient(new SharedBufferMemory(buffer), (why) => broken.push(why));
  const source = new SharedCallSource(new SharedBufferMemory(buffer));
  const words = new Int32Array(buffer, 0, 16);
  let id = 0;
  const answerWith = (scribble: () => void) => {
    // Nobody answers within the blocking wait, so the client reads the slot later, after the scribble.
    const pending = client.call({ type: 'call', id: ++id, op: 'echo', input: new Uint8Array() });
    assert.ok(pending instanceof Promise);
    source.next(0);
    source.answer({ ok: true, output: new Uint8Array([1, 2]) }, 5);
    scribble();
    return pending;
  };
  const ok = await answerWith(() => {});
  assert.equal(ok?.type === 'called' ? ok.outcome : undefined, { ok: true, output: new Uint8Array([1, 2]) });
  assert.is(await answerWith(() => (words[5] = 1 << 30)), undefined);
  assert.is(await answerWith(() => (words[6] = 77)), undefined);
  assert.equal(broken, [
    'an answer of status 0, code 0 and 1073741824 bytes',
    'an answer of status 77, code 0 and 2 bytes',
  ]);
});

test.run();
