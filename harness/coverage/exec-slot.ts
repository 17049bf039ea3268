import { closeSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the fuzz loop writes the input it is executing, before each call: memory that outlives
 * a hung worker or a crashed child, so the supervisor can name the input that hung or crashed.
 * Layout: i32 executions, i32 in-call flag, i32 input length, then the input's bytes.
 */
export type ExecSlotHandle = { kind: 'shared'; buffer: SharedArrayBuffer } | { kind: 'file'; path: string };

const HEADER_BYTES = 12;
/** Longest input the slot holds; the fuzz loop never makes a longer one. */
const SLOT_INPUT_BYTES = 64 * 1024;
const SLOT_BYTES = HEADER_BYTES + SLOT_INPUT_BYTES;

/** The fuzz loop's side: cheap writes before and after every call. */
export class ExecSlotWriter {
  readonly #header: Int32Array;
  readonly #bytes: Uint8Array;

  constructor(memory: ArrayBufferLike) {
    this.#header = new Int32Array(memory, 0, 3);
    this.#bytes = new Uint8Array(memory, HEADER_BYTES, SLOT_INPUT_BYTES);
  }

  begin(input: Uint8Array): void {
    this.#bytes.set(input.length <= SLOT_INPUT_BYTES ? input : input.subarray(0, SLOT_INPUT_BYTES));
    this.#header[2] = input.length;
    this.#header[1] = 1;
    this.#header[0]!++;
  }

  end(): void {
    this.#header[1] = 0;
  }
}

/** A slot file mapped into this process (MAP_SHARED through libc), for child processes. */
async function mapFile(path: string): Promise<ArrayBuffer> {
  const { default: koffi } = await import('koffi');
  const { libc } = await import('../engines/libc.ts');
  const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
  const PROT_READ_WRITE = 3;
  const MAP_SHARED = 1;
  const MAP_FAILED = 2n ** 64n - 1n;
  const fd = openSync(path, 'r+');
  try {
    const pointer = mmap(null, SLOT_BYTES, PROT_READ_WRITE, MAP_SHARED, fd, 0);
    if (koffi.address(pointer) === MAP_FAILED) throw new Error(`harness bug: mmap of the exec slot \`${path}\` failed`);
    return koffi.view(pointer, SLOT_BYTES);
  } finally {
    closeSync(fd);
  }
}

export async function openSlotWriter(handle: ExecSlotHandle): Promise<ExecSlotWriter> {
  return new ExecSlotWriter(handle.kind === 'shared' ? handle.buffer : await mapFile(handle.path));
}

/** What the supervisor reads from the slot. */
export interface SlotState {
  execs: number;
  inCall: boolean;
  input: Uint8Array;
}

/** The supervisor's side: made before the worker or child, read while it runs and after it died. */
export class ExecSlot {
  readonly handle: ExecSlotHandle;
  readonly #read: () => Uint8Array;
  readonly #dispose: () => void;

  constructor(isolation: 'worker' | 'process') {
    if (isolation === 'worker') {
      const buffer = new SharedArrayBuffer(SLOT_BYTES);
      this.handle = { kind: 'shared', buffer };
      this.#read = () => new Uint8Array(buffer);
      this.#dispose = () => {};
      return;
    }
    const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const path = join(dir, `plugbench-slot-${process.pid}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, Buffer.alloc(SLOT_BYTES));
    const fd = openSync(path, 'r');
    const copy = Buffer.alloc(SLOT_BYTES);
    this.handle = { kind: 'file', path };
    this.#read = () => (readSync(fd, copy, 0, SLOT_BYTES, 0), copy);
    this.#dispose = () => (closeSync(fd), rmSync(path, { force: true }));
  }

  read(): SlotState {
    const bytes = this.#read();
    const header = new Int32Array(bytes.buffer, bytes.byteOffset, 3);
    const length = Math.min(header[2]!, SLOT_INPUT_BYTES);
    return { execs: header[0]!, inCall: header[1] === 1, input: bytes.slice(HEADER_BYTES, HEADER_BYTES + length) };
  }

  dispose(): void {
    this.#dispose();
  }
}
