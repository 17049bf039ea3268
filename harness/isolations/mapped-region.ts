import koffi from 'koffi';
import { UsageError } from '../contract/errors.ts';
import { libc } from '../engines/libc.ts';

/**
 * Memory shared between the harness and a `@process` child: an anonymous file (memfd) that
 * both map, and futex waits and wakes on its words. Linux only (x86-64 and arm64): Node has no
 * SharedArrayBuffer across processes, so koffi maps it and makes an ArrayBuffer of it.
 */

const SYS_FUTEX: Partial<Record<NodeJS.Architecture, number>> = { x64: 202, arm64: 98 };
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const MFD_CLOEXEC = 1;
const PROT_READ_WRITE = 3;
const MAP_SHARED = 1;
const MAP_FAILED = 2n ** 64n - 1n;

const memfdCreate = libc.func('int memfd_create(const char *name, unsigned int flags)');
const ftruncate = libc.func('int ftruncate(int fd, int64_t length)');
const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
const closeFd = libc.func('int close(int fd)');
const getppid = libc.func('int getppid(void)');
// syscall(2) is variadic; its integer arguments pass alike on x86-64 and arm64.
const futex = libc.func(
  'long syscall(long nr, uintptr_t addr, int op, int val, void *timeout, uintptr_t addr2, int val3)',
);

/** One mapping of a region: its bytes and the address of its first byte (for futexes). */
export interface MappedRegion {
  readonly memory: ArrayBuffer;
  readonly address: number;
}

function mapped(fd: number, bytes: number): MappedRegion {
  const pointer = mmap(null, bytes, PROT_READ_WRITE, MAP_SHARED, fd, 0);
  if (koffi.address(pointer) === MAP_FAILED) throw new Error(`harness bug: mmap of ${bytes} bytes failed`);
  return { memory: koffi.view(pointer, bytes), address: Number(koffi.address(pointer)) };
}

/** The harness's side: a new zeroed region of `bytes`, mapped here; `fd` is for the child (closed after spawn). */
export function createRegion(bytes: number): MappedRegion & { fd: number; closeFd(): void } {
  if (process.platform !== 'linux' || SYS_FUTEX[process.arch] === undefined)
    throw new UsageError(
      `\`@process\` lanes share memory with their child through Linux futexes, ` +
        `which ${process.platform} on ${process.arch} lacks: use \`@worker\` lanes`,
    );
  const fd = memfdCreate('plugbench-calls', MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, bytes) !== 0) throw new Error(`harness bug: memfd of ${bytes} bytes failed`);
  return { ...mapped(fd, bytes), fd, closeFd: () => closeFd(fd) };
}

/** The child's side: the region its supervisor passed on `fd`. */
export function mapRegion(fd: number, bytes: number): MappedRegion {
  const region = mapped(fd, bytes);
  closeFd(fd);
  return region;
}

const timespec = Buffer.alloc(16);

/** Blocks while the i32 at `address` holds `expected`, at most `timeoutNs` (undefined: until woken). */
export function futexWait(address: number, expected: number, timeoutNs?: number): void {
  if (timeoutNs !== undefined) {
    timespec.writeUInt32LE(Math.floor(timeoutNs / 1e9), 0);
    timespec.writeUInt32LE(timeoutNs % 1e9, 8);
  }
  futex(SYS_FUTEX[process.arch]!, address, FUTEX_WAIT, expected, timeoutNs === undefined ? null : timespec, 0, 0);
}

/** Wakes every process blocked on the i32 at `address`. */
export function futexWake(address: number): void {
  futex(SYS_FUTEX[process.arch]!, address, FUTEX_WAKE, 0x7fffffff, null, 0, 0);
}

/** The parent's pid now: 1 (or a subreaper) once the harness is gone. */
export const parentPid = (): number => getppid();
