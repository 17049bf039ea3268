import { type CallOutcome, ERROR_CODES, FAILURE_KINDS, UsageError } from '../contract/errors.ts';
import { OpNames } from '../engines/op-names.ts';
import type { BlockingCallSource, CallRequest, Reply } from './protocol.ts';

/**
 * Calls between the harness and a `@worker` thread through one SharedArrayBuffer: a header of
 * Int32 and Float64 words, then one slot that holds a call's op and input, then its output.
 * The worker blocks in `Atomics.wait` on the doorbell between calls; the harness blocks for
 * its answer at most BLOCKING_WAIT_MS, then waits with `Atomics.waitAsync`, so its event loop
 * (timers, deadlines, the event-loop-delay sampler, other lanes) is never held longer. The
 * buffer is growable: a payload larger than the slot grows it, up to SHARED_CALLS_MAX_BYTES.
 */

/** ES2024 pieces that Node 20 has and this TypeScript's lib lacks. */
interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  grow(bytes: number): void;
}
type Growable = new (bytes: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as Growable;
type WaitResult = { async: false } | { async: true; value: Promise<string> };
type WaitAsync = (words: Int32Array, index: number, value: number) => WaitResult;
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Int32 word indices of the header. */
const DOORBELL = 0; // bumped on every event: the worker waits on it
const CALL_SEQ = 1; // sequence of the call in the slot
const CONTROL_SENT = 2; // control messages posted so far: the worker leaves its wait to read them
const ANSWER_SEQ = 3; // sequence of the call whose outcome is in the slot
const OP_BYTES = 4; // request: op bytes at the slot's start; -1: the same op as the call before
const DATA_BYTES = 5; // request: input bytes after the op; answer: output or message bytes
const STATUS = 6; // answer: 0 ok, else 1 + index in FAILURE_KINDS
const CODE = 7; // answer: index in ERROR_CODES when the plugin failed
/** Float64 indices of the header: the call's time inside, and its recycle's (-1: none). */
const INNER_NS = 4;
const RECYCLE_MS = 5;
const HEADER_BYTES = 64;

/** Bytes a channel starts with: a 64 KiB payload fits without growing. */
const INITIAL_BYTES = HEADER_BYTES + 64 * 1024 + 1024;

/** Largest buffer a channel may grow to (address space reserved, not memory): 1 GiB. A larger call is refused. */
export const SHARED_CALLS_MAX_BYTES = 1 << 30;

export const newSharedCallBuffer = (): SharedArrayBuffer =>
  new GrowableSharedArrayBuffer(INITIAL_BYTES, { maxByteLength: SHARED_CALLS_MAX_BYTES });

/** Both ends' views of one buffer; the byte view is renewed when the buffer grows. */
class SharedSlot {
  readonly words: Int32Array;
  readonly floats: Float64Array;
  #bytes: Buffer;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.floats = new Float64Array(buffer, 0, HEADER_BYTES / 8);
    this.#bytes = Buffer.from(buffer);
  }

  /** The slot's bytes, with room for `length` (grown if needed). */
  room(length: number): Buffer {
    if (HEADER_BYTES + length > this.#bytes.length) {
      if (HEADER_BYTES + length > SHARED_CALLS_MAX_BYTES) {
        const limit = `the @worker channel's ${SHARED_CALLS_MAX_BYTES} bytes`;
        throw new UsageError(`a call or outcome of ${length} bytes exceeds ${limit}: use a smaller \`--input-size\``);
      }
      (this.buffer as GrowableSharedArrayBuffer).grow(HEADER_BYTES + length);
    }
    // The other end may have grown it.
    if (this.#bytes.length !== this.buffer.byteLength) this.#bytes = Buffer.from(this.buffer);
    return this.#bytes;
  }
}

/**
 * Longest the harness's thread blocks for an answer before it waits in its event loop, in ms:
 * timers (deadlines, the open loop's schedule, memory samples) run at most this late. It blocks
 * only while no other shared-memory call of this thread is in flight, so callers on several
 * workers never wait for each other.
 */
const BLOCKING_WAIT_MS = 0.05;
let callsInFlight = 0;

/** The harness's end: one call at a time (the supervisor queues them). */
export class SharedCallClient {
  readonly #slot: SharedSlot;
  readonly #ops = new OpNames();
  #lastOp: string | undefined;
  #seq = 0;
  #closed = false;

  constructor(buffer: SharedArrayBuffer) {
    this.#slot = new SharedSlot(buffer);
  }

  /** Copies the call into the slot (throws if it cannot) and rings; resolves with the answer (undefined: closed). */
  call(request: CallRequest): Promise<Extract<Reply, { type: 'called' }> | undefined> {
    const { words } = this.#slot;
    const sameOp = request.op === this.#lastOp;
    const op = sameOp ? EMPTY : this.#ops.bytes(request.op);
    const bytes = this.#slot.room(op.length + request.input.length);
    bytes.set(op, HEADER_BYTES);
    bytes.set(request.input, HEADER_BYTES + op.length);
    words[OP_BYTES] = sameOp ? -1 : op.length;
    words[DATA_BYTES] = request.input.length;
    this.#lastOp = request.op;
    const seq = ++this.#seq;
    Atomics.store(words, CALL_SEQ, seq);
    ring(words);
    callsInFlight++;
    return this.#answer(seq, request.id).finally(() => callsInFlight--);
  }

  async #answer(seq: number, id: number): Promise<Extract<Reply, { type: 'called' }> | undefined> {
    const { words, floats } = this.#slot;
    const first = Atomics.load(words, ANSWER_SEQ);
    // Alone in flight, a short blocking wait answers sooner than the event loop can (2-3 µs of ~12).
    if (first !== seq && callsInFlight === 1) Atomics.wait(words, ANSWER_SEQ, first, BLOCKING_WAIT_MS);
    for (let answered = Atomics.load(words, ANSWER_SEQ); answered !== seq; answered = Atomics.load(words, ANSWER_SEQ)) {
      if (this.#closed) return undefined;
      const wait = waitAsync(words, ANSWER_SEQ, answered);
      if (wait.async) await wait.value;
    }
    const data = this.#slot.room(0).subarray(HEADER_BYTES, HEADER_BYTES + words[DATA_BYTES]!);
    const status = words[STATUS]!;
    const recycleMs = floats[RECYCLE_MS]!;
    let outcome: CallOutcome;
    if (status === 0) outcome = { ok: true, output: new Uint8Array(data) };
    else {
      const kind = FAILURE_KINDS[status - 1]!;
      const message = data.toString('utf8');
      const failure = kind === 'plugin' ? { kind, code: ERROR_CODES[words[CODE]!]!, message } : { kind, message };
      outcome = { ok: false, failure };
    }
    return { type: 'called', id, outcome, innerNs: floats[INNER_NS]!, ...(recycleMs >= 0 ? { recycleMs } : {}) };
  }

  /** Tells a worker waiting for calls that a control message was posted for it. */
  announceControl(): void {
    Atomics.add(this.#slot.words, CONTROL_SENT, 1);
    ring(this.#slot.words);
  }

  /** Releases a pending `call` (its worker is gone): it resolves with undefined. */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#slot.words, ANSWER_SEQ);
  }
}

const EMPTY = new Uint8Array();

function ring(words: Int32Array): void {
  Atomics.add(words, DOORBELL, 1);
  Atomics.notify(words, DOORBELL);
}

/** The worker's end: blocks in `Atomics.wait` until a call or a control message comes. */
export class SharedCallSource implements BlockingCallSource {
  readonly #slot: SharedSlot;
  #served = 0;
  #op = '';

  constructor(buffer: SharedArrayBuffer) {
    this.#slot = new SharedSlot(buffer);
  }

  next(controlSeen: number): { op: string; input: Uint8Array } | undefined {
    const { words } = this.#slot;
    for (;;) {
      const bell = Atomics.load(words, DOORBELL);
      const seq = Atomics.load(words, CALL_SEQ);
      if (seq !== this.#served) {
        this.#served = seq;
        const opBytes = words[OP_BYTES]!;
        const bytes = this.#slot.room(0);
        if (opBytes >= 0) this.#op = bytes.toString('utf8', HEADER_BYTES, HEADER_BYTES + opBytes);
        const start = HEADER_BYTES + Math.max(0, opBytes);
        // The input stays a view of the slot: the instance copies it into the plugin, once.
        return { op: this.#op, input: bytes.subarray(start, start + words[DATA_BYTES]!) };
      }
      if (Atomics.load(words, CONTROL_SENT) !== controlSeen) return undefined;
      Atomics.wait(words, DOORBELL, bell);
    }
  }

  answer(outcome: CallOutcome, innerNs: number, recycleMs?: number): void {
    const { words, floats } = this.#slot;
    const data = outcome.ok ? outcome.output : Buffer.from(outcome.failure.message);
    this.#slot.room(data.length).set(data, HEADER_BYTES);
    words[DATA_BYTES] = data.length;
    words[STATUS] = outcome.ok ? 0 : FAILURE_KINDS.indexOf(outcome.failure.kind) + 1;
    words[CODE] = !outcome.ok && outcome.failure.kind === 'plugin' ? ERROR_CODES.indexOf(outcome.failure.code) : 0;
    floats[INNER_NS] = innerNs;
    floats[RECYCLE_MS] = recycleMs ?? -1;
    Atomics.store(words, ANSWER_SEQ, this.#served);
    Atomics.notify(words, ANSWER_SEQ);
  }
}
