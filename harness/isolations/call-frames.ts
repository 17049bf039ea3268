import { readSync, writeSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { deserialize, serialize } from 'node:v8';
import type { CallOutcome } from '../contract/errors.ts';
import { CHILD_FRAME } from '../contract/generated.ts';
import { OpNames } from '../engines/op-names.ts';
import type { BatchResult } from './lane.ts';
import {
  decodeBatched,
  decodeOpInput,
  decodeOutcome,
  encodeBatched,
  encodeCallFrame,
  encodeFrame,
  encodeOpInput,
  encodeOutcomeFrame,
  FrameReader,
  GO_REPLY,
  GO_REQUEST,
} from './go-frames.ts';
import type { BatchRequest, CallRequest, Reply } from './protocol.ts';
import type { AnswerSpill, CallSpill } from './shared-calls.ts';

/**
 * The pipe beside a `@process` child's shared region (mapped-calls.ts), in the Go host's frames
 * (go-frames.ts): calls and answers too large for the region (a `call` or `batch` frame, an
 * `outcome` or `batched` frame), the child's replies to control requests (`reply`, v8-serialized:
 * the child answers them without waiting for its event loop), and the child's doorbell
 * (`answered`, empty) that wakes a harness asleep in its event loop.
 */

/** The child's fd of the frame pipe (stdio: ignore, ignore, stderr, ipc, frames, region). */
export const CHILD_FRAME_FD = 4;
/** The child's fd of its shared region, until it maps it. */
export const CHILD_REGION_FD = 5;

interface PipeHandlers {
  onReply(reply: Reply): void;
  onSpilled(answer: Extract<Reply, { type: 'called' | 'batched' }>): void;
  onDoorbell(): void;
}

/** The harness's end: turns frames from the child into replies and doorbells; sends spilled calls. */
export class FrameCallClient implements CallSpill {
  readonly #pipe: Duplex;
  readonly #ops = new OpNames();

  /** `onReply`: control replies; `onSpilled`: answers too large for the region; `onDoorbell`: the child answered. */
  constructor(pipe: Duplex, handlers: PipeHandlers) {
    this.#pipe = pipe;
    const { onReply, onSpilled, onDoorbell } = handlers;
    const reader = new FrameReader();
    // A child killed mid-write leaves a partial frame: it dies with this reader.
    pipe.on('error', () => {});
    pipe.on('data', (chunk: Buffer) => {
      for (const { kind, id, payload } of reader.push(chunk)) {
        if (kind === CHILD_FRAME.answered) onDoorbell();
        else if (kind === GO_REPLY.outcome) onSpilled({ type: 'called', id, ...decodeOutcome(payload) });
        else if (kind === GO_REPLY.batched) onSpilled({ type: 'batched', id, batch: decodeBatched(payload) });
        else if (kind === CHILD_FRAME.reply) onReply(deserialize(payload) as Reply);
        else throw new Error(`harness bug: a child sent frame type ${kind} for request ${id}`);
      }
    });
  }

  call(request: CallRequest | BatchRequest): void {
    if (request.type === 'call')
      this.#pipe.write(encodeCallFrame(request.id, 0, this.#ops.bytes(request.op), request.input));
    else
      this.#pipe.write(
        encodeFrame(GO_REQUEST.batch, request.id, ...encodeOpInput(request.count, request.op, request.input)),
      );
  }
}

/** Bytes asked of each read: a 64 KiB payload in one read. */
const READ_BYTES = 64 * 1024 + 64;

/** The child's end: blocking reads and writes on the frame pipe. The harness gone (EOF, EPIPE), the child exits. */
export class ChildFramePipe implements AnswerSpill {
  readonly #fd: number;
  readonly #reader = new FrameReader();
  #frames: ReturnType<FrameReader['push']> = [];

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Blocks until the spilled call the region announced has arrived whole. */
  next(): { op: string; input: Uint8Array; batchCount?: number } {
    let frame = this.#frames.shift();
    while (frame === undefined) {
      this.#frames = this.#reader.push(this.#read());
      frame = this.#frames.shift();
    }
    if (frame.kind !== GO_REQUEST.call && frame.kind !== GO_REQUEST.batch)
      throw new Error(`harness bug: the harness sent frame type ${frame.kind} to a child`);
    const { leading, op, input } = decodeOpInput(frame.payload);
    return frame.kind === GO_REQUEST.batch ? { op, input, batchCount: leading } : { op, input };
  }

  answer(id: number, outcome: CallOutcome, innerNs: number, recycleMs?: number): void {
    this.#write(encodeOutcomeFrame(id, outcome, innerNs, recycleMs));
  }

  answerBatch(id: number, batch: BatchResult): void {
    this.#write(encodeFrame(GO_REPLY.batched, id, encodeBatched(batch)));
  }

  reply(reply: Reply): void {
    this.#write(encodeFrame(CHILD_FRAME.reply, 'id' in reply ? reply.id : 0, serialize(reply)));
  }

  /** Wakes a harness that sleeps in its event loop for the answer in the region. */
  ringDoorbell(): void {
    this.#write(DOORBELL_FRAME);
  }

  #read(): Buffer {
    // Spilled calls are large: each read gets a buffer of its own, which the call's input views.
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const n = retried(() => readSync(this.#fd, buffer));
    if (n === 0) process.exit(0);
    return buffer.subarray(0, n);
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

const DOORBELL_FRAME = encodeFrame(CHILD_FRAME.answered, 0);

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
