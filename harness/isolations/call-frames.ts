import { readSync, writeSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { deserialize, serialize } from 'node:v8';
import type { CallOutcome } from '../contract/errors.ts';
import { OpNames } from '../engines/op-names.ts';
import type { BatchResult } from './lane.ts';
import {
  decodeBatched,
  decodeOpInput,
  decodeOutcome,
  encodeBatchedFrame,
  encodeCallFrame,
  encodeFrame,
  encodeOpInput,
  encodeOutcomeFrame,
  FrameReader,
  GO_REPLY,
  GO_REQUEST,
} from './go-frames.ts';
import type { BlockingCallSource, CallRequest, Reply, Request } from './protocol.ts';

/**
 * Calls between the harness and a `@process` child in the Go host's frames (go-frames.ts) on a
 * pipe of their own: a call is one `call` frame, its answer one `outcome` frame (a batch: one
 * `batch` frame, one `batched` frame), no serializer.
 * Control requests still travel on Node's IPC channel; the child reads frames with blocking
 * reads between calls, so the harness announces each control request with a `control` frame,
 * and the child answers it in a `reply` frame (v8-serialized) without waiting for its event loop.
 */
export const CHILD_FRAME = { control: 20, reply: 120 } as const;

/** The child's fd of the frame pipe (stdio: ignore, ignore, stderr, ipc, frames). */
export const CHILD_FRAME_FD = 4;

/** The harness's end: turns frames from the child into replies. */
export class FrameCallClient {
  readonly #pipe: Duplex;
  readonly #ops = new OpNames();
  #controlSent = 0;

  constructor(pipe: Duplex, onReply: (reply: Reply) => void) {
    this.#pipe = pipe;
    const reader = new FrameReader();
    // A child killed mid-write leaves a partial frame: it dies with this reader.
    pipe.on('error', () => {});
    pipe.on('data', (chunk: Buffer) => {
      for (const { kind, id, payload } of reader.push(chunk)) {
        if (kind === GO_REPLY.outcome) onReply({ type: 'called', id, ...decodeOutcome(payload) });
        else if (kind === GO_REPLY.batched) onReply({ type: 'batched', id, batch: decodeBatched(payload) });
        else if (kind === CHILD_FRAME.reply) onReply(deserialize(payload) as Reply);
        else throw new Error(`harness bug: a child sent frame type ${kind} for request ${id}`);
      }
    });
  }

  call(request: CallRequest): void {
    this.#pipe.write(encodeCallFrame(request.id, 0, this.#ops.bytes(request.op), request.input));
  }

  /** `count` calls in one frame, answered by one `batched` frame: no serializer, no event loop in the child. */
  batch(request: Extract<Request, { type: 'batch' }>): void {
    const body = encodeOpInput(request.count, request.op, request.input);
    this.#pipe.write(encodeFrame(GO_REQUEST.batch, request.id, ...body));
  }

  /** Tells a child blocked reading frames that a control request waits on its IPC channel. */
  announceControl(): void {
    const count = Buffer.allocUnsafe(4);
    count.writeUInt32LE(++this.#controlSent);
    this.#pipe.write(encodeFrame(CHILD_FRAME.control, 0, count));
  }
}

/** Bytes asked of each read: a 64 KiB payload in one read. */
const READ_BYTES = 64 * 1024 + 64;
/** Reads below this are copied out of the read buffer (Node's pool serves them). */
const SMALL_READ_BYTES = 4096;

/** The child's end: blocking reads and writes on the frame pipe. The harness gone (EOF, EPIPE), the child exits. */
export class FrameCallSource implements BlockingCallSource {
  readonly #fd: number;
  readonly #reader = new FrameReader();
  #frames: ReturnType<FrameReader['push']> = [];
  #scratch = Buffer.allocUnsafe(READ_BYTES);
  #announced = 0;
  #callId = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  next(controlSeen: number): { op: string; input: Uint8Array; batchCount?: number } | undefined {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame === undefined) {
        if (this.#announced > controlSeen) return undefined;
        this.#frames = this.#reader.push(this.#read());
      } else if (frame.kind === CHILD_FRAME.control) {
        this.#announced = Math.max(this.#announced, frame.payload.readUInt32LE(0));
      } else if (frame.kind === GO_REQUEST.call || frame.kind === GO_REQUEST.batch) {
        this.#callId = frame.id;
        const { leading, op, input } = decodeOpInput(frame.payload);
        return frame.kind === GO_REQUEST.batch ? { op, input, batchCount: leading } : { op, input };
      } else throw new Error(`harness bug: the harness sent frame type ${frame.kind} to a child`);
    }
  }

  answer(outcome: CallOutcome, innerNs: number, recycleMs?: number): void {
    this.#write(encodeOutcomeFrame(this.#callId, outcome, innerNs, recycleMs));
  }

  answerBatch(batch: BatchResult): void {
    this.#write(encodeBatchedFrame(this.#callId, batch));
  }

  reply(reply: Reply): void {
    this.#write(encodeFrame(CHILD_FRAME.reply, 'id' in reply ? reply.id : 0, serialize(reply)));
  }

  #read(): Buffer {
    const scratch = this.#scratch;
    const n = retried(() => readSync(this.#fd, scratch));
    if (n === 0) process.exit(0);
    // Frames keep views of what was read until they are answered: a small read is copied out
    // (Node's pool, no allocation), a large one keeps the buffer and a new one is made.
    if (n < SMALL_READ_BYTES) return Buffer.from(scratch.subarray(0, n));
    this.#scratch = Buffer.allocUnsafe(READ_BYTES);
    return scratch.subarray(0, n);
  }

  #write(frame: Buffer): void {
    for (let at = 0; at < frame.length;) {
      try {
        at += retried(() => writeSync(this.#fd, frame, at));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
        throw e;
      }
    }
  }
}

/** Runs a blocking read or write again when a signal interrupted it. */
function retried(io: () => number): number {
  for (;;) {
    try {
      return io();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINTR' && (e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}
