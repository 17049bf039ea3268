import { type CallOutcome, ERROR_CODES, FAILURE_KINDS, UsageError } from '../contract/errors.ts';
import { OpNames } from '../engines/op-names.ts';
import type { BatchResult } from './lane.ts';
import { copyOf, decodeBatched, encodeBatched } from './go-frames.ts';
import type { BatchRequest, BlockingCallSource, CallRequest, Reply } from './protocol.ts';

/**
 * Calls between the harness and a worker thread or a child process through shared memory: a
 * header of Int32 and Float64 words, then one slot that holds a call's op and input (or a
 * batch's), then its outcome. The far end blocks on the doorbell word between calls; the
 * harness blocks for its answer at most BLOCKING_WAIT_MS, or the call's holdMs where its load
 * model knows nothing else is due sooner, then sleeps in its event loop, so timers (deadlines,
 * the event-loop-delay sampler, other lanes) are never held longer. Where
 * the memory lives and how each end waits is a CallMemory: a growable SharedArrayBuffer for a
 * worker, a region mapped by both processes for a child (mapped-calls.ts), whose payloads
 * too large for it spill to the child's frame pipe.
 */

/** Int32 word indices of the header. */
export const DOORBELL = 0; // bumped on every event: the far end waits on it
const CALL_SEQ = 1; // sequence of the call in the slot
const CONTROL_SENT = 2; // control messages posted so far: the far end leaves its wait to read them
export const ANSWER_SEQ = 3; // sequence of the call whose outcome is in the slot
const OP_BYTES = 4; // request: op bytes at the slot's start; SAME_OP, or SPILLED (the call is on the pipe)
const DATA_BYTES = 5; // request: input bytes after the op; answer: output, message or batch bytes
const STATUS = 6; // answer: 0 ok, 1 + index in FAILURE_KINDS, BATCHED, or SPILLED (the answer is on the pipe)
const CODE = 7; // answer: index in ERROR_CODES when the plugin failed
/** Float64 indices of the header (words 8-11): the call's time inside, and its recycle's (-1: none). */
const INNER_NS = 4;
const RECYCLE_MS = 5;
const BATCH_COUNT = 12; // request: calls in the batch, 0 for one call
const CALL_ID = 13; // request: the supervisor's id of the call (a spilled answer's frame carries it)
export const CALLER_STATE = 14; // how the harness waits for the answer (mapped-calls.ts)
export const HEADER_BYTES = 64;

const SAME_OP = -1;
const SPILLED = -2;
const BATCHED = 100;
const SPILLED_ANSWER = 101;

/** Where a channel's words and bytes live, and how one end waits for the other. */
export interface CallMemory {
  readonly words: Int32Array;
  readonly floats: Float64Array;
  /** The channel's bytes with room for `length` after the header, or undefined: it does not fit (it spills). */
  room(length: number): Buffer | undefined;
  /** Wakes whoever waits for words[index] to change (this end changed it). */
  wake(index: number): void;
  /** Blocks while words[index] is `value`, at most `timeoutMs` (undefined: until woken). */
  block(index: number, value: number, timeoutMs?: number): void;
  /** Waits in the event loop until words[index] may no longer be `value`; undefined: it already changed. */
  sleep(index: number, value: number): Promise<unknown> | undefined;
}

/** ES2024 pieces that Node 20 has and this TypeScript's lib lacks. */
interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  grow(bytes: number): void;
}
type Growable = new (bytes: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as Growable;
type WaitResult = { async: false } | { async: true; value: Promise<string> };
type WaitAsync = (words: Int32Array, index: number, value: number) => WaitResult;
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Bytes a channel starts with: a 64 KiB payload fits without growing. */
export const INITIAL_CALL_BYTES = HEADER_BYTES + 64 * 1024 + 1024;

/** Largest a `@worker` channel grows to, 1 GiB (address space reserved, not memory); larger calls are refused. */
export const SHARED_CALLS_MAX_BYTES = 1 << 30;

export const newSharedCallBuffer = (): SharedArrayBuffer =>
  new GrowableSharedArrayBuffer(INITIAL_CALL_BYTES, { maxByteLength: SHARED_CALLS_MAX_BYTES });

/** A worker's channel: a growable SharedArrayBuffer, Atomics on both ends. */
export class SharedBufferMemory implements CallMemory {
  readonly words: Int32Array;
  readonly floats: Float64Array;
  #bytes: Buffer;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.floats = new Float64Array(buffer, 0, HEADER_BYTES / 8);
    this.#bytes = Buffer.from(buffer);
  }

  room(length: number): Buffer {
    if (HEADER_BYTES + length > this.#bytes.length) {
      if (HEADER_BYTES + length > SHARED_CALLS_MAX_BYTES) {
        const limit = `the @worker channel's ${SHARED_CALLS_MAX_BYTES} bytes`;
        throw new UsageError(`a call or outcome of ${length} bytes exceeds ${limit}: use a smaller \`--input-size\``);
      }
      if (HEADER_BYTES + length > this.buffer.byteLength)
        (this.buffer as GrowableSharedArrayBuffer).grow(HEADER_BYTES + length);
    }
    // The other end may have grown it.
    if (this.#bytes.length !== this.buffer.byteLength) this.#bytes = Buffer.from(this.buffer);
    return this.#bytes;
  }

  wake(index: number): void {
    Atomics.notify(this.words, index);
  }

  block(index: number, value: number, timeoutMs?: number): void {
    Atomics.wait(this.words, index, value, timeoutMs);
  }

  sleep(index: number, value: number): Promise<unknown> | undefined {
    const wait = waitAsync(this.words, index, value);
    return wait.async ? wait.value : undefined;
  }
}

/**
 * Longest the harness's thread blocks for an answer before it waits in its event loop, in ms:
 * timers (deadlines, the open loop's schedule, memory samples) run at most this late. It blocks
 * only while no other shared-memory call of this thread is in flight, so callers on several
 * workers or children never wait for each other.
 */
const BLOCKING_WAIT_MS = 0.05;
let callsInFlight = 0;

type Answer = Extract<Reply, { type: 'called' | 'batched' }>;

/** How a child's channel sends a call that does not fit its region: as a frame on its pipe. */
export interface CallSpill {
  call(request: CallRequest | BatchRequest): void;
}

/** The harness's end: one call or batch at a time (the supervisor queues them). */
export class SharedCallClient {
  readonly #memory: CallMemory;
  readonly #spill: CallSpill | undefined;
  readonly #onBroken: (why: string) => void;
  readonly #ops = new OpNames();
  #lastOp: string | undefined;
  #seq = 0;
  #closed = false;
  /** Answers that came on the spill's pipe, by call id, until their call takes them. */
  readonly #spilled = new Map<number, Answer>();
  #spillArrived: (() => void) | undefined;

  /** `onBroken`: the far end wrote an answer that does not fit the channel; the caller kills it. */
  constructor(memory: CallMemory, onBroken: (why: string) => void, spill?: CallSpill) {
    this.#memory = memory;
    this.#onBroken = onBroken;
    this.#spill = spill;
  }

  /**
   * Copies the call or batch into the slot (throws if it cannot) and rings; returns the answer
   * when it came within the blocking wait, else a promise of it; undefined: the channel closed.
   */
  call(request: CallRequest | BatchRequest): Answer | undefined | Promise<Answer | undefined> {
    const memory = this.#memory;
    const { words } = memory;
    const sameOp = request.op === this.#lastOp;
    const op = sameOp ? EMPTY : this.#ops.bytes(request.op);
    const bytes = memory.room(op.length + request.input.length);
    this.#lastOp = request.op;
    if (bytes === undefined) {
      this.#spill!.call(request);
      words[OP_BYTES] = SPILLED;
    } else {
      bytes.set(op, HEADER_BYTES);
      bytes.set(request.input, HEADER_BYTES + op.length);
      words[OP_BYTES] = sameOp ? SAME_OP : op.length;
      words[DATA_BYTES] = request.input.length;
      words[BATCH_COUNT] = request.type === 'batch' ? request.count : 0;
    }
    words[CALL_ID] = request.id;
    const seq = ++this.#seq;
    Atomics.store(words, CALL_SEQ, seq);
    ring(memory);
    // Alone in flight, a short blocking wait answers a call sooner than the event loop can (a batch outlasts it).
    // Not a spilled one: its input is still on its way through the event loop's writes to the pipe.
    const first = Atomics.load(words, ANSWER_SEQ);
    if (first !== seq && callsInFlight === 0 && request.type === 'call' && bytes !== undefined)
      memory.block(ANSWER_SEQ, first, request.holdMs ?? BLOCKING_WAIT_MS);
    if (Atomics.load(words, ANSWER_SEQ) === seq) {
      const answer = this.#read(request.id);
      if (answer !== ON_THE_PIPE) return answer;
    }
    callsInFlight++;
    return this.#sleep(seq, request.id).finally(() => callsInFlight--);
  }

  /** Waits in the event loop; one call at a time, so one waiter on the channel's wake-ups. */
  async #sleep(seq: number, id: number): Promise<Answer | undefined> {
    const memory = this.#memory;
    for (
      let seen = Atomics.load(memory.words, ANSWER_SEQ);
      seen !== seq;
      seen = Atomics.load(memory.words, ANSWER_SEQ)
    ) {
      if (this.#closed) return undefined;
      await memory.sleep(ANSWER_SEQ, seen);
    }
    const answer = this.#read(id);
    if (answer !== ON_THE_PIPE) return answer;
    for (;;) {
      const spilled = this.#spilled.get(id);
      if (spilled !== undefined || this.#closed) return (this.#spilled.delete(id), spilled);
      await new Promise<void>((resolve) => (this.#spillArrived = resolve));
    }
  }

  /**
   * An answer that came on the spill's pipe (a child's answer too large for its region). It is
   * returned by the `call` it answers, after the slot said so: one path per call, so the next
   * call never starts while this one still waits on the channel.
   */
  receiveSpilled(answer: Answer): void {
    this.#spilled.set(answer.id, answer);
    this.#wakeSpill();
  }

  #wakeSpill(): void {
    const wake = this.#spillArrived;
    this.#spillArrived = undefined;
    wake?.();
  }

  /** The answer in the slot, each length and index checked against the channel: the far end may be broken. */
  #read(id: number): Answer | undefined | typeof ON_THE_PIPE {
    const { words, floats } = this.#memory;
    const status = words[STATUS]!;
    if (status === SPILLED_ANSWER) return ON_THE_PIPE;
    const length = words[DATA_BYTES]!;
    // What the channel holds now (never grown for an answer): the length must fit in it.
    const bytes = this.#memory.room(0)!;
    const code = words[CODE]!;
    const kind = FAILURE_KINDS[status - 1];
    if (
      !(length >= 0 && HEADER_BYTES + length <= bytes.length) ||
      (status !== 0 && status !== BATCHED && (kind === undefined || !ERROR_CODES[code]))
    ) {
      this.#onBroken(`an answer of status ${status}, code ${code} and ${length} bytes`);
      return undefined;
    }
    const data = bytes.subarray(HEADER_BYTES, HEADER_BYTES + length);
    if (status === BATCHED) {
      try {
        return { type: 'batched', id, batch: decodeBatched(data) };
      } catch (e) {
        this.#onBroken(`a batch answer that does not decode (${(e as Error).message})`);
        return undefined;
      }
    }
    const recycleMs = floats[RECYCLE_MS]!;
    let outcome: CallOutcome;
    if (status === 0) outcome = { ok: true, output: copyOf(data) };
    else {
      const message = data.toString('utf8');
      const failure = kind === 'plugin' ? { kind, code: ERROR_CODES[code]!, message } : { kind: kind!, message };
      outcome = { ok: false, failure };
    }
    return { type: 'called', id, outcome, innerNs: floats[INNER_NS]!, ...(recycleMs >= 0 ? { recycleMs } : {}) };
  }

  /** Tells a far end waiting for calls that a control message was posted for it. */
  announceControl(): void {
    Atomics.add(this.#memory.words, CONTROL_SENT, 1);
    ring(this.#memory);
  }

  /** Releases a pending `call` (its far end is gone): it resolves with undefined. */
  close(): void {
    this.#closed = true;
    this.#memory.wake(ANSWER_SEQ);
    this.#wakeSpill();
  }
}

const EMPTY = new Uint8Array();
/** What `#read` returns when the slot says that the answer travels on the spill's pipe. */
const ON_THE_PIPE = Symbol('on the pipe');

function ring(memory: CallMemory): void {
  Atomics.add(memory.words, DOORBELL, 1);
  memory.wake(DOORBELL);
}

/** How a child's channel reads a spilled call and sends an answer that does not fit: on its pipe. */
export interface AnswerSpill {
  next(): { op: string; input: Uint8Array; batchCount?: number };
  answer(id: number, outcome: CallOutcome, innerNs: number, recycleMs?: number): void;
  answerBatch(id: number, batch: BatchResult): void;
}

/** The far end: blocks on the doorbell until a call or a control message comes. */
export class SharedCallSource implements BlockingCallSource {
  readonly #memory: CallMemory;
  readonly #spill: AnswerSpill | undefined;
  #served = 0;
  #op = '';

  constructor(memory: CallMemory, spill?: AnswerSpill) {
    this.#memory = memory;
    this.#spill = spill;
  }

  next(controlSeen: number): { op: string; input: Uint8Array; batchCount?: number } | undefined {
    const { words } = this.#memory;
    for (;;) {
      const bell = Atomics.load(words, DOORBELL);
      const seq = Atomics.load(words, CALL_SEQ);
      if (seq !== this.#served) {
        this.#served = seq;
        const opBytes = words[OP_BYTES]!;
        if (opBytes === SPILLED) {
          const call = this.#spill!.next();
          this.#op = call.op;
          return call;
        }
        const bytes = this.#memory.room(0)!;
        if (opBytes >= 0) this.#op = bytes.toString('utf8', HEADER_BYTES, HEADER_BYTES + opBytes);
        const start = HEADER_BYTES + Math.max(0, opBytes);
        const count = words[BATCH_COUNT]!;
        // The input stays a view of the slot: the instance copies it into the plugin, once.
        const input = bytes.subarray(start, start + words[DATA_BYTES]!);
        return count > 0 ? { op: this.#op, input, batchCount: count } : { op: this.#op, input };
      }
      if (Atomics.load(words, CONTROL_SENT) !== controlSeen) return undefined;
      this.#memory.block(DOORBELL, bell);
    }
  }

  answer(outcome: CallOutcome, innerNs: number, recycleMs?: number): void {
    const { words, floats } = this.#memory;
    const data = outcome.ok ? outcome.output : Buffer.from(outcome.failure.message);
    const bytes = this.#memory.room(data.length);
    if (bytes === undefined) return this.#spilled((id) => this.#spill!.answer(id, outcome, innerNs, recycleMs));
    bytes.set(data, HEADER_BYTES);
    words[DATA_BYTES] = data.length;
    words[STATUS] = outcome.ok ? 0 : FAILURE_KINDS.indexOf(outcome.failure.kind) + 1;
    words[CODE] = !outcome.ok && outcome.failure.kind === 'plugin' ? ERROR_CODES.indexOf(outcome.failure.code) : 0;
    floats[INNER_NS] = innerNs;
    floats[RECYCLE_MS] = recycleMs ?? -1;
    this.#publish();
  }

  answerBatch(batch: BatchResult): void {
    const data = encodeBatched(batch);
    const bytes = this.#memory.room(data.length);
    if (bytes === undefined) return this.#spilled((id) => this.#spill!.answerBatch(id, batch));
    bytes.set(data, HEADER_BYTES);
    this.#memory.words[DATA_BYTES] = data.length;
    this.#memory.words[STATUS] = BATCHED;
    this.#publish();
  }

  /** The answer goes on the pipe; the slot says so, so that the harness stops waiting on it. */
  #spilled(send: (id: number) => void): void {
    send(this.#memory.words[CALL_ID]!);
    this.#memory.words[STATUS] = SPILLED_ANSWER;
    this.#publish();
  }

  #publish(): void {
    Atomics.store(this.#memory.words, ANSWER_SEQ, this.#served);
    this.#memory.wake(ANSWER_SEQ);
  }
}
