import { readdirSync, readFileSync } from 'node:fs';
import { libc } from '../engines/libc.ts';

/** prctl(2) option: orphans of this process's descendants are re-parented to it, not to init. */
const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

let adopting = false;

/**
 * Makes the harness the parent of whatever its children leave behind when they die, so that a
 * process a plugin started and moved out of its host's process group (`setsid`) can still be
 * found and killed (`killOrphans`) instead of outliving the harness. Linux only, like `@process`.
 */
export function adoptOrphans(): void {
  if (adopting) return;
  adopting = true;
  const prctl = libc.func('int prctl(int option, unsigned long a, unsigned long b, unsigned long c, unsigned long d)');
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

/** State, parent, process group of a process, from /proc/PID/stat; undefined once it is gone. */
function statOf(pid: number | 'self'): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/**
 * SIGKILL to the harness's children that are neither in its own process group (what Node and
 * the builds start) nor a worker's host it still runs (`isHost`): processes a plugin started in
 * its own session, adopted when their parent died. Then reaped, so no zombie stays behind.
 */
export function killOrphans(isHost: (pid: number) => boolean): void {
  if (!adopting) return;
  const ourGroup = statOf('self')?.pgrp;
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || isHost(pid)) continue;
    const stat = statOf(pid);
    if (stat?.ppid !== process.pid || stat.pgrp === ourGroup) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  if (killed.length === 0) return;
  const waitpid = libc.func('int waitpid(int pid, _Out_ int *status, int options)');
  setTimeout(() => killed.forEach((pid) => waitpid(pid, [0], WNOHANG)), 100).unref();
}
