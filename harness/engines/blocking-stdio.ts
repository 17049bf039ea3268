import { libc } from './libc.ts';

const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
const [F_GETFL, F_SETFL, O_NONBLOCK] = [3, 4, 0o4000];

/**
 * Makes fds 1 and 2 blocking before a native plugin runs in this process. Node opens piped
 * stdio non-blocking, so a plugin printing into a full pipe gets EAGAIN, and Rust's `println!`
 * panics on it: a failure that a service, whose stdio blocks, would never see. Node's own
 * writes to them then wait for the reader, as a plain program's do.
 */
export function makeStdioBlocking(): void {
  // Created first: Node sets O_NONBLOCK when it creates these streams, which must not come after.
  void process.stdout;
  void process.stderr;
  for (const fd of [1, 2]) {
    const flags = fcntl(fd, F_GETFL) as number;
    if (flags >= 0 && (flags & O_NONBLOCK) !== 0) fcntl(fd, F_SETFL, 'int', flags & ~O_NONBLOCK);
  }
}
