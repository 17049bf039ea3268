import { libc } from '../engines/libc.ts';

const dup = libc.func('int dup(int fd)');
const dup2 = libc.func('int dup2(int oldfd, int newfd)');
const close = libc.func('int close(int fd)');

/**
 * Points fd 1 at stderr while a `--json` command runs, so a native plugin printing in the
 * harness's own process (inproc and worker lanes write to fd 1 directly) cannot corrupt the
 * results on stdout. Returns what puts stdout back; calling it twice is harmless.
 */
export function divertStdoutToStderr(): () => void {
  const saved = dup(1) as number;
  if (saved < 0) return () => {};
  dup2(2, 1);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    dup2(saved, 1);
    close(saved);
  };
}
