import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeOutcome, encodeFrame, encodeOpInput, FrameReader } from '../../harness/isolations/go-frames.ts';

/** Golden frames the Go host's frames_test.go holds its side to. */
interface Golden {
  name: string;
  direction: 'request' | 'reply';
  kind: number;
  id: number;
  deadlineMs?: number;
  count?: number;
  op?: string;
  inputHex?: string;
  innerNs?: number;
  recycleNs?: number;
  outcome?: { kind: string; code?: string; message?: string; outputHex?: string };
  hex: string;
}

const { frames } = JSON.parse(readFileSync(new URL('frames.golden.json', import.meta.url), 'utf8')) as {
  frames: Golden[];
};

for (const g of frames.filter((f) => f.direction === 'request')) {
  test(`request encodes to its golden frame: ${g.name}`, () => {
    const leading = g.deadlineMs ?? g.count ?? 0;
    const encoded = encodeFrame(g.kind, g.id, ...encodeOpInput(leading, g.op!, Buffer.from(g.inputHex!, 'hex')));
    assert.is(encoded.toString('hex'), g.hex);
  });
}

for (const g of frames.filter((f) => f.direction === 'reply')) {
  test(`reply decodes from its golden frame: ${g.name}`, () => {
    const bytes = Buffer.from(g.hex, 'hex');
    // Split across two chunks: the reader must keep the partial frame.
    const reader = new FrameReader();
    assert.equal(reader.push(bytes.subarray(0, 7)), []);
    const [frame] = reader.push(bytes.subarray(7));
    assert.equal([frame!.kind, frame!.id], [g.kind, g.id]);
    const { outcome, innerNs, recycleMs } = decodeOutcome(frame!.payload);
    assert.is(innerNs, g.innerNs);
    assert.is(recycleMs, g.recycleNs! >= 0 ? g.recycleNs! / 1e6 : undefined);
    const want = g.outcome!;
    if (outcome.ok) {
      assert.is(want.kind, 'ok');
      assert.is(Buffer.from(outcome.output).toString('hex'), want.outputHex);
    } else {
      const code = outcome.failure.kind === 'plugin' ? outcome.failure.code : undefined;
      assert.equal([outcome.failure.kind, code, outcome.failure.message], [want.kind, want.code, want.message]);
    }
  });
}

test('a large frame read in many chunks is joined once, and the frames around it come out whole', () => {
  const big = Buffer.alloc(4 << 20, 0xab);
  const stream = Buffer.concat([encodeFrame(1, 7, big), encodeFrame(2, 8, Buffer.from('after')), encodeFrame(3, 9)]);
  const reader = new FrameReader();
  const concat = Buffer.concat;
  let copied = 0;
  Buffer.concat = (list: readonly Uint8Array[], length?: number) => {
    copied += length ?? list.reduce((n, b) => n + b.length, 0);
    return concat(list, length);
  };
  const frames = [];
  try {
    for (let at = 0; at < stream.length; at += 64 * 1024)
      frames.push(...reader.push(stream.subarray(at, at + 64 * 1024)));
  } finally {
    Buffer.concat = concat;
  }
  assert.equal(
    frames.map((f) => [f.kind, f.id, f.payload.length]),
    [
      [1, 7, big.length],
      [2, 8, 5],
      [3, 9, 0],
    ],
  );
  assert.ok(frames[0]!.payload.equals(big));
  // Joined at every chunk, 64 chunks would copy about 32 times the frame.
  assert.ok(copied <= 2 * stream.length, `copied ${copied} bytes for a ${stream.length}-byte stream`);
});

test.run();
