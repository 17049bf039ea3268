import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How much of a child's stderr is kept for its failure message, in bytes (the last of it). */
export const STDERR_TAIL_BYTES = 4096;

/** Past this size the file is cut back to its tail, so a plugin that logs without end fills no disk. */
const TRIM_ABOVE_BYTES = 1 << 20;
const TRIM_EVERY_MS = 250;

/**
 * A child's stderr as an unlinked file the child appends to, instead of a pipe the harness
 * drains: a pipe fills while the harness blocks for an answer (a hold, shared-calls.ts), and a
 * plugin that logs more than the pipe holds then waits for the hold to end, which its call's
 * time measured (1 MiB to stderr per call on native@process: p50 57.7 ms closed loop and 48.7 ms
 * open at 50/s, against 5.9 ms in a Go host, whose calls never block the harness). A file never
 * makes a writer wait. Only its tail is kept.
 */
export class StderrFile {
  /** The descriptor the child gets as its fd 2. */
  readonly fd: number;
  /** The tail of what was cut from the file, or all that is left once it is closed. */
  #kept = '';
  #open = true;
  readonly #trimmer: NodeJS.Timeout;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'plugbench-stderr-'));
    try {
      this.fd = openSync(join(dir, 'stderr'), 'a+');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    this.#trimmer = setInterval(() => this.trim(), TRIM_EVERY_MS).unref();
  }

  /** The last STDERR_TAIL_BYTES the child wrote. */
  tail(): string {
    if (!this.#open) return this.#kept;
    const size = fstatSync(this.fd).size;
    const length = Math.min(size, STDERR_TAIL_BYTES);
    const bytes = Buffer.alloc(length);
    const read = readSync(this.fd, bytes, 0, length, size - length);
    return (this.#kept + bytes.subarray(0, read).toString('utf8')).slice(-STDERR_TAIL_BYTES);
  }

  /** Keeps the tail and lets the file go (the child has ended). */
  close(): void {
    if (!this.#open) return;
    this.#kept = this.tail();
    this.#open = false;
    clearInterval(this.#trimmer);
    closeSync(this.fd);
  }

  private trim(): void {
    if (fstatSync(this.fd).size <= TRIM_ABOVE_BYTES) return;
    this.#kept = this.tail();
    // The child appends (O_APPEND), so its next write lands at the new end.
    ftruncateSync(this.fd, 0);
  }
}
