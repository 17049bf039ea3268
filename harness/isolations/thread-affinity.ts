import { libc } from '../engines/libc.ts';

/** Bytes of the CPU mask passed to the kernel: 1024 CPUs, glibc's `cpu_set_t`. */
const MASK_BYTES = 128;

/**
 * Binds the calling thread (a worker's, or a child's main thread) to `cpu` alone, with
 * sched_setaffinity(2) on thread id 0, which the kernel reads as the caller: Node cannot pin
 * one of its threads, and `taskset` can pin only a whole program it starts.
 */
export function pinThisThread(cpu: number): void {
  const setAffinity = libc.func('int sched_setaffinity(int pid, size_t size, const uint8_t *mask)');
  const mask = new Uint8Array(MASK_BYTES);
  mask[cpu >> 3] = 1 << (cpu & 7);
  if (setAffinity(0, MASK_BYTES, mask) !== 0) throw new Error(`sched_setaffinity to CPU ${cpu} failed`);
}
