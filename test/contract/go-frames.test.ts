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

test.run();
