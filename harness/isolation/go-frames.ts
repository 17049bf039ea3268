import { boundMessage, type CallFailure, type CallOutcome, ERROR_CODES, type ErrorCode, FAILURE_KINDS, type FailureKind } from '../contract/errors.ts';
import type { BatchResult } from '../lanes/lane.ts';

/**
 * The wire format between the harness and the Go host (harness/hosts/go/frames.go is the
 * other side). Every frame is u32 LE length (of what follows) | u8 type | u32 LE id | payload;
 * calls and outcomes are binary, everything rare is JSON.
 */
export { GO_REPLY, GO_REQUEST } from '../contract/generated.ts';

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
  return [head, opBytes, input instanceof Buffer ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)];
}

/** Splits a byte stream into frames; keeps a partial frame until the rest arrives. */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Frame[] = [];
    while (this.#pending.length >= HEADER_BYTES) {
      const length = this.#pending.readUInt32LE(0);
      if (this.#pending.length < 4 + length) break;
      frames.push({ kind: this.#pending.readUInt8(4), id: this.#pending.readUInt32LE(5), payload: this.#pending.subarray(HEADER_BYTES, 4 + length) });
      this.#pending = this.#pending.subarray(4 + length);
    }
    return frames;
  }
}

const utf8 = new TextDecoder();

/** A failure as the Go host reports it in JSON (results.json's failureSamples shape). */
export interface FailureJson {
  kind: string;
  code?: string;
  message: string;
}

/** A failure the Go host reported, checked against the closed set of kinds, its message bounded. */
export function failureFrom({ kind, code, message }: FailureJson): CallFailure {
  const bounded = boundMessage(message);
  if (!(FAILURE_KINDS as readonly string[]).includes(kind)) throw new Error(`harness bug: the Go host sent failure kind \`${kind}\``);
  if (kind === 'plugin') return { kind, code: (ERROR_CODES as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'internal', message: bounded };
  return { kind: kind as Exclude<FailureKind, 'plugin'>, message: bounded };
}

/** An outcome frame: u8 kind | u8 code | u64 innerNs | i64 recycleNs (-1: none) | output or message. */
export function decodeOutcome(payload: Buffer): { outcome: CallOutcome; innerNs: number; recycleMs?: number } {
  const kindIndex = payload.readUInt8(0);
  const innerNs = Number(payload.readBigUInt64LE(2));
  const recycleNs = Number(payload.readBigInt64LE(10));
  const body = payload.subarray(18);
  const outcome: CallOutcome = kindIndex === 0
    ? { ok: true, output: new Uint8Array(body) }
    : { ok: false, failure: failureFrom({ kind: FAILURE_KINDS[kindIndex - 1] ?? `#${kindIndex}`, code: ERROR_CODES[payload.readUInt8(1)], message: utf8.decode(body) }) };
  return { outcome, innerNs, ...(recycleNs >= 0 ? { recycleMs: recycleNs / 1e6 } : {}) };
}

/** A batched frame: u32 n | n × u64 innerNs | i64 recycleNs | JSON failures. */
export function decodeBatched(payload: Buffer): BatchResult {
  const n = payload.readUInt32LE(0);
  const innerNs = new Float64Array(n);
  for (let i = 0; i < n; i++) innerNs[i] = Number(payload.readBigUInt64LE(4 + 8 * i));
  const recycleNs = Number(payload.readBigInt64LE(4 + 8 * n));
  const failures = (JSON.parse(payload.subarray(12 + 8 * n).toString()) as FailureJson[]).map(failureFrom);
  return { innerNs, failures, ...(recycleNs >= 0 ? { recycleMs: recycleNs / 1e6 } : {}) };
}
