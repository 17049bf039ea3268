import koffi from 'koffi';

/** glibc through koffi, loaded once: the few system calls the harness needs beyond Node's. */
export const libc = koffi.load('libc.so.6');
