import type { ChildFramePipe } from './call-frames.ts';
import { futexWait, futexWake, type MappedRegion, parentPid } from './mapped-region.ts';
import { ANSWER_SEQ, CALLER_STATE, type CallMemory, HEADER_BYTES, INITIAL_CALL_BYTES } from './shared-calls.ts';

/**
 * The shared-memory call channel of a `@process` child (shared-calls.ts), in a region both
 * processes map (mapped-region.ts). The child blocks in a futex between calls. The harness
 * says in CALLER_STATE how it waits for an answer, so that the child wakes it the right way
 * after publishing: BUSY (it will look again itself), IN_FUTEX (a futex wake), ASLEEP in its
 * event loop (a doorbell frame on the pipe). Both ends write their state, then read the
 * other's word, with sequentially consistent Atomics: at least one of them sees the other.
 * Payloads larger than the region spill to the pipe; nothing in the region is trusted by the
 * harness without a check (shared-calls.ts): a child killed mid-write never publishes.
 */

/** Bytes of a child's region: a 64 KiB payload fits; larger ones travel on the pipe. */
export const REGION_BYTES = INITIAL_CALL_BYTES;

const BUSY = 0;
const IN_FUTEX = 1;
const ASLEEP = 2;

/** Longest the child blocks in one futex wait before it checks that the harness still lives, in ns. */
const CHILD_WAIT_NS = 1e9;

abstract class RegionMemory {
  readonly words: Int32Array;
  readonly floats: Float64Array;
  readonly #bytes: Buffer;
  readonly #address: number;

  constructor(region: MappedRegion) {
    this.words = new Int32Array(region.memory, 0, HEADER_BYTES / 4);
    this.floats = new Float64Array(region.memory, 0, HEADER_BYTES / 8);
    this.#bytes = Buffer.from(region.memory);
    this.#address = region.address;
  }

  room(length: number): Buffer | undefined {
    return HEADER_BYTES + length <= this.#bytes.length ? this.#bytes : undefined;
  }

  protected futexWait(index: number, value: number, timeoutNs?: number): void {
    futexWait(this.#address + 4 * index, value, timeoutNs);
  }

  protected futexWake(index: number): void {
    futexWake(this.#address + 4 * index);
  }
}

/** The harness's end of a child's region. */
export class HarnessRegionMemory extends RegionMemory implements CallMemory {
  #doorbell: (() => void) | undefined;

  /** The child rang (or the channel closed): a sleeping wait looks again. */
  doorbell(): void {
    const wake = this.#doorbell;
    this.#doorbell = undefined;
    wake?.();
  }

  wake(index: number): void {
    if (index === ANSWER_SEQ) this.doorbell();
    else this.futexWake(index);
  }

  block(index: number, value: number, timeoutMs?: number): void {
    Atomics.exchange(this.words, CALLER_STATE, IN_FUTEX);
    if (Atomics.load(this.words, index) === value)
      this.futexWait(index, value, timeoutMs === undefined ? undefined : Math.round(timeoutMs * 1e6));
    Atomics.store(this.words, CALLER_STATE, BUSY);
  }

  sleep(index: number, value: number): Promise<unknown> | undefined {
    Atomics.exchange(this.words, CALLER_STATE, ASLEEP);
    if (Atomics.load(this.words, index) !== value) {
      Atomics.store(this.words, CALLER_STATE, BUSY);
      return undefined;
    }
    return new Promise<void>((resolve) => (this.#doorbell = resolve)).then(() =>
      Atomics.store(this.words, CALLER_STATE, BUSY),
    );
  }
}

/** The child's end of its region. */
export class ChildRegionMemory extends RegionMemory implements CallMemory {
  readonly #pipe: ChildFramePipe;
  readonly #parent = parentPid();

  constructor(region: MappedRegion, pipe: ChildFramePipe) {
    super(region);
    this.#pipe = pipe;
  }

  /** Wakes the harness the way it waits (only the harness waits on ANSWER_SEQ). */
  wake(): void {
    const state = Atomics.load(this.words, CALLER_STATE);
    if (state === IN_FUTEX) this.futexWake(ANSWER_SEQ);
    else if (state === ASLEEP) this.#pipe.ringDoorbell();
  }

  /** Blocks for the doorbell; a harness gone meanwhile (the child reparented) ends the child. */
  block(index: number, value: number): void {
    this.futexWait(index, value, CHILD_WAIT_NS);
    // Unchanged: the wait timed out (or woke for nothing), the time to look at the parent.
    if (Atomics.load(this.words, index) === value && parentPid() !== this.#parent) process.exit(0);
  }

  sleep(): undefined {
    throw new Error('harness bug: a child sleeps only in its futex');
  }
}
