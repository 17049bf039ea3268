import koffi from 'koffi';
import { libc } from '../engines/libc.ts';

/** RLIMIT_DATA on Linux: private writable memory (heap, anonymous mmaps) of the process. */
const RLIMIT_DATA = 2;
koffi.struct('rlimit', { rlim_cur: 'unsigned long', rlim_max: 'unsigned long' });

/**
 * Caps this process's data segment (RLIMIT_DATA) so a native plugin's allocations fail at the
 * quota instead of exhausting the machine. Linux only; returns how the limit was set.
 */
export function limitDataSegment(bytes: number): string {
  const setrlimit = libc.func('int setrlimit(int resource, const rlimit *rlim)');
  const limit = Math.ceil(bytes);
  if (setrlimit(RLIMIT_DATA, { rlim_cur: limit, rlim_max: limit }) !== 0)
    throw new Error(`setrlimit(RLIMIT_DATA, ${limit}) failed`);
  return `RLIMIT_DATA ${limit} bytes`;
}
