import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CallOutcome } from '../../harness/contract/errors.ts';
import { decodeResultReturn, ProtocolViolation } from '../../harness/engines/canonical.ts';
import { decodeNativeStatus } from '../../harness/engines/native.ts';

/** The table the Go host's conformance_test.go runs too: one expected outcome per case, for every engine. */
interface Expected {
  kind: string;
  code?: string;
  message?: string;
  outputHex?: string;
}
interface Table {
  canonicalResult: Array<{
    name: string;
    memoryBytes: number;
    writes: Record<string, string>;
    retptr: number;
    hasOk: boolean;
    maxOutputBytes: number;
    expect: Expected;
  }>;
  nativeStatus: Array<{ name: string; status: number; bufferHex: string; hasOutput: boolean; expect: Expected }>;
}

const table = JSON.parse(readFileSync(new URL('conformance.json', import.meta.url), 'utf8')) as Table;

/** What a lane makes of a decoder's answer: a protocol violation becomes a `protocol` failure. */
function outcomeOf(decode: () => CallOutcome): CallOutcome {
  try {
    return decode();
  } catch (e) {
    if (e instanceof ProtocolViolation) return { ok: false, failure: { kind: 'protocol', message: e.message } };
    throw e;
  }
}

function assertOutcome(outcome: CallOutcome, expect: Expected): void {
  if (outcome.ok) {
    assert.is('ok', expect.kind);
    assert.is(Buffer.from(outcome.output).toString('hex'), expect.outputHex);
    return;
  }
  const { failure } = outcome;
  assert.equal(
    { kind: failure.kind, message: failure.message, ...(failure.kind === 'plugin' ? { code: failure.code } : {}) },
    { kind: expect.kind, message: expect.message, ...(expect.code !== undefined ? { code: expect.code } : {}) },
  );
}

for (const c of table.canonicalResult) {
  test(`canonical result: ${c.name}`, () => {
    const memory = new Uint8Array(c.memoryBytes);
    for (const [at, hex] of Object.entries(c.writes)) memory.set(Buffer.from(hex, 'hex'), Number(at));
    const decode = () => decodeResultReturn(memory.buffer, c.retptr, c.hasOk, c.maxOutputBytes) as CallOutcome;
    assertOutcome(outcomeOf(decode), c.expect);
  });
}

for (const c of table.nativeStatus) {
  test(`native status: ${c.name}`, () => {
    const bytes = new Uint8Array(Buffer.from(c.bufferHex, 'hex'));
    assertOutcome(
      outcomeOf(() => decodeNativeStatus(c.status, bytes, c.hasOutput)),
      c.expect,
    );
  });
}

test('the table has cases for both decoders', () => {
  assert.ok(table.canonicalResult.length >= 10 && table.nativeStatus.length >= 5);
});

test.run();
