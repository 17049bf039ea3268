import {
  boundMessage,
  type CallFailure,
  type CallOutcome,
  ERROR_CODES,
  type ErrorCode,
  FAILURE_KINDS,
  type FailureKind,
} from '../contract/errors.ts';
import type { BatchResult, PairedCalls } from './lane.ts';

/**
 * The wire format between the harness and the Go host (harness/hosts/go/frames.go is the
 * other side). Every frame is u32 LE length (of what follows) | u8 type | u32 LE id | payload;
 * calls and outcomes are binary, everything rare is JSON. `@process` children and `@worker`
 * threads carry calls and outcomes in the same bodies (call-frames.ts, shared-calls.ts).
 */
import { GO_REPLY, GO_REQUEST } from '../contract/generated.ts';

export { GO_REPLY, GO_REQUEST };

export interface Frame {
  kind: number;
  id: number;
  payload: Buffer;
}

const HEADER_BYTES = 9;

export function encodeFrame(kind: number, id: number, ...parts: Uint8Array[]): Buffer {
  const length = 5 + parts.reduce((n, p) => n + p.length, 0);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(length, 0);
  header.writeUInt8(kind, 4);
  header.writeUInt32LE(id, 5);
  return Buffer.concat([header, ...parts], HEADER_BYTES + length - 5);
}

export const jsonBytes = (value: unknown) => Buffer.from(JSON.stringify(value));

/** `u16 opLen | op | input`, after a u32 (a deadline or a count): the body of call and batch requests. */
export function encodeOpInput(leading: number, op: string, input: Uint8Array): Buffer[] {
  const opBytes = Buffer.from(op);
  const head = Buffer.allocUnsafe(6);
  head.writeUInt32LE(leading, 0);
  head.writeUInt16LE(opBytes.length, 4);
  return [
    head,
    opBytes,
    input instanceof Buffer ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength),
  ];
}

/** The body of a call request, read back: the leading u32, the op and a view of the input (not a copy). */
export function decodeOpInput(payload: Buffer): { leading: number; op: string; input: Uint8Array } {
  const opLength = payload.readUInt16LE(4);
  const op = payload.toString('utf8', 6, 6 + opLength);
  return { leading: payload.readUInt32LE(0), op, input: payload.subarray(6 + opLength) };
}

/**
 * Splits a byte stream into frames; keeps a partial frame until the rest arrives. A frame's
 * chunks are joined once, when all of it is here: joined at every chunk, a 24 MiB answer in
 * 64 KiB reads copied 4.7 GB and outlived a 1 s deadline.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes the frame in front needs before it can be read: its header, then all of it. */
  #needed = HEADER_BYTES;

  push(chunk: Buffer): Frame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered < this.#needed) return [];
    let pending = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    const frames: Frame[] = [];
    while (pending.length >= HEADER_BYTES) {
      const length = pending.readUInt32LE(0);
      if (pending.length < 4 + length) break;
      frames.push({
        kind: pending.readUInt8(4),
        id: pending.readUInt32LE(5),
        payload: pending.subarray(HEADER_BYTES, 4 + length),
      });
      pending = pending.subarray(4 + length);
    }
    this.#chunks = pending.length === 0 ? [] : [pending];
    this.#buffered = pending.length;
    this.#needed = pending.length >= HEADER_BYTES ? 4 + pending.readUInt32LE(0) : HEADER_BYTES;
    return frames;
  }
}

const utf8 = new TextDecoder();

/** A copy of bytes as a plain Uint8Array: `new Uint8Array(view)` converts element by element, 10-20× slower. */
export function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** A failure as the Go host reports it in JSON (results.json's failureSamples shape). */
export interface FailureJson {
  kind: string;
  code?: string;
  message: string;
}

/** A failure the Go host reported, checked against the closed set of kinds, its message bounded. */
export function failureFrom({ kind, code, message }: FailureJson): CallFailure {
  const bounded = boundMessage(message);
  if (!(FAILURE_KINDS as readonly string[]).includes(kind))
    throw new Error(`harness bug: the Go host sent failure kind \`${kind}\``);
  if (kind === 'plugin')
    return {
      kind,
      code: (ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'internal',
      message: bounded,
    };
  return { kind: kind as Exclude<FailureKind, 'plugin'>, message: bounded };
}

/** u8 kind | u8 code | u64 innerNs | i64 recycleNs: what precedes an outcome's output or message. */
const OUTCOME_HEAD_BYTES = 18;
const TWO_32 = 2 ** 32;

/** A call frame in one buffer (a Node child's request; the same bytes as `encodeFrame` of `encodeOpInput`). */
export function encodeCallFrame(id: number, deadlineMs: number, op: Uint8Array, input: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + 6 + op.length + input.length);
  frame.writeUInt32LE(frame.length - 4, 0);
  frame.writeUInt8(GO_REQUEST.call, 4);
  frame.writeUInt32LE(id, 5);
  frame.writeUInt32LE(deadlineMs, HEADER_BYTES);
  frame.writeUInt16LE(op.length, HEADER_BYTES + 4);
  frame.set(op, HEADER_BYTES + 6);
  frame.set(input, HEADER_BYTES + 6 + op.length);
  return frame;
}

/** An outcome frame in one buffer, the inverse of `decodeOutcome` (a Node child's answer). */
export function encodeOutcomeFrame(id: number, outcome: CallOutcome, innerNs: number, recycleMs?: number): Buffer {
  const body = outcome.ok ? outcome.output : Buffer.from(outcome.failure.message);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + OUTCOME_HEAD_BYTES + body.length);
  frame.writeUInt32LE(frame.length - 4, 0);
  frame.writeUInt8(GO_REPLY.outcome, 4);
  frame.writeUInt32LE(id, 5);
  frame.writeUInt8(outcome.ok ? 0 : FAILURE_KINDS.indexOf(outcome.failure.kind) + 1, HEADER_BYTES);
  const code = !outcome.ok && outcome.failure.kind === 'plugin' ? ERROR_CODES.indexOf(outcome.failure.code) : 0;
  frame.writeUInt8(code, HEADER_BYTES + 1);
  writeU64(frame, HEADER_BYTES + 2, Math.max(0, Math.round(innerNs)));
  if (recycleMs === undefined) frame.fill(0xff, HEADER_BYTES + 10, HEADER_BYTES + 18);
  else writeU64(frame, HEADER_BYTES + 10, Math.round(recycleMs * 1e6));
  frame.set(body, HEADER_BYTES + OUTCOME_HEAD_BYTES);
  return frame;
}

// u64 as two u32 halves: exact below 2^53, and faster than BigInt.
function writeU64(buffer: Buffer, at: number, value: number): void {
  buffer.writeUInt32LE(value % TWO_32, at);
  buffer.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
}
const readU64 = (buffer: Buffer, at: number) => buffer.readUInt32LE(at) + buffer.readUInt32LE(at + 4) * TWO_32;
/** An i64 that is either -1 or a non-negative count. */
const readI64 = (buffer: Buffer, at: number) => (buffer.readInt32LE(at + 4) < 0 ? -1 : readU64(buffer, at));

/** An outcome frame: u8 kind | u8 code | u64 innerNs | i64 recycleNs (-1: none) | output or message. */
export function decodeOutcome(payload: Buffer): { outcome: CallOutcome; innerNs: number; recycleMs?: number } {
  const kindIndex = payload.readUInt8(0);
  const innerNs = readU64(payload, 2);
  const recycleNs = readI64(payload, 10);
  const body = payload.subarray(OUTCOME_HEAD_BYTES);
  const outcome: CallOutcome =
    kindIndex === 0
      ? { ok: true, output: copyOf(body) }
      : {
          ok: false,
          failure: failureFrom({
            kind: FAILURE_KINDS[kindIndex - 1] ?? `#${kindIndex}`,
            code: ERROR_CODES[payload.readUInt8(1)],
            message: utf8.decode(body),
          }),
        };
  return { outcome, innerNs, ...(recycleNs >= 0 ? { recycleMs: recycleNs / 1e6 } : {}) };
}

/** A batch's answer, the inverse of `decodeBatched` (a Node child's or worker's answer to a batch). */
export function encodeBatched(batch: BatchResult): Buffer {
  const failures = jsonBytes(
    batch.failures.map((f) => ({ kind: f.kind, message: f.message, ...('code' in f ? { code: f.code } : {}) })),
  );
  const n = batch.innerNs.length;
  const body = Buffer.allocUnsafe(12 + 8 * n + failures.length);
  body.writeUInt32LE(n, 0);
  for (let i = 0; i < n; i++) writeU64(body, 4 + 8 * i, Math.max(0, Math.round(batch.innerNs[i]!)));
  if (batch.recycleMs === undefined) body.fill(0xff, 4 + 8 * n, 12 + 8 * n);
  else writeU64(body, 4 + 8 * n, Math.round(batch.recycleMs * 1e6));
  body.set(failures, 12 + 8 * n);
  return body;
}

/** A paired frame: u32 n | n × u64 innerNs of the first plugin | n × u64 of the second | JSON [failures of each]. */
export function decodePaired(payload: Buffer): PairedCalls {
  const n = payload.readUInt32LE(0);
  const innerNs: PairedCalls['innerNs'] = [new Float64Array(n), new Float64Array(n)];
  for (const [which, times] of innerNs.entries())
    for (let i = 0; i < n; i++) times[i] = readU64(payload, 4 + 8 * (which * n + i));
  const [first, second] = JSON.parse(payload.subarray(4 + 16 * n).toString()) as [FailureJson[], FailureJson[]];
  return { innerNs, failures: [first.map(failureFrom), second.map(failureFrom)] };
}

/** A batched frame: u32 n | n × u64 innerNs | i64 recycleNs | JSON failures. */
export function decodeBatched(payload: Buffer): BatchResult {
  const n = payload.readUInt32LE(0);
  const innerNs = new Float64Array(n);
  for (let i = 0; i < n; i++) innerNs[i] = readU64(payload, 4 + 8 * i);
  const recycleNs = readI64(payload, 4 + 8 * n);
  const failures = (JSON.parse(payload.subarray(12 + 8 * n).toString()) as FailureJson[]).map(failureFrom);
  return { innerNs, failures, ...(recycleNs >= 0 ? { recycleMs: recycleNs / 1e6 } : {}) };
}
