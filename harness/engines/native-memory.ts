import koffi from 'koffi';
import { libc } from './libc.ts';

koffi.struct('iovec', { iov_base: 'void *', iov_len: 'size_t' });
const processVmReadv = libc.func(
  'intptr_t process_vm_readv(int pid, const iovec *local, unsigned long liovcnt, const iovec *remote, unsigned ' +
    'long riovcnt, unsigned long flags)',
);

/**
 * Copies `len` bytes a native plugin pointed at, through the kernel (process_vm_readv on
 * this very process): an unmapped range fails with EFAULT instead of a segfault, so a lying
 * pointer becomes a `protocol` failure. Returns undefined when the range is not readable.
 */
export function copyPluginMemory(address: bigint, len: number): Uint8Array | undefined {
  const copy = Buffer.allocUnsafe(len);
  let done = 0;
  while (done < len) {
    const read = Number(
      processVmReadv(
        process.pid,
        { iov_base: copy.subarray(done), iov_len: len - done },
        1,
        { iov_base: address + BigInt(done), iov_len: len - done },
        1,
        0,
      ),
    );
    if (read <= 0) return undefined;
    done += read;
  }
  return new Uint8Array(copy.buffer, copy.byteOffset, len);
}

koffi.struct('mallinfo2', {
  arena: 'size_t',
  ordblks: 'size_t',
  smblks: 'size_t',
  hblks: 'size_t',
  hblkhd: 'size_t',
  usmblks: 'size_t',
  fsmblks: 'size_t',
  uordblks: 'size_t',
  fordblks: 'size_t',
  keepcost: 'size_t',
});
const mallinfo2 = libc.func('mallinfo2 mallinfo2(void)');

/**
 * Bytes this process holds from malloc (glibc `mallinfo2`: in-use heap chunks plus mmapped
 * blocks). A native plugin allocates with malloc, V8 does not, so this sees a plugin's leak
 * to the byte where RSS moves by megabytes with the JS heap.
 */
export function mallocInUseBytes(): number {
  const info = mallinfo2() as { uordblks: number; hblkhd: number };
  return Number(info.uordblks) + Number(info.hblkhd);
}
