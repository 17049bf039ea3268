import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `taskset` on PATH (util-linux), which starts a program bound to a set of CPUs. */
function tasksetPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'taskset'))) return join(dir, 'taskset');
  }
  return undefined;
}

/** CPUs this process may run on, from `Cpus_allowed_list` (`0-1,4`); empty where /proc does not say. */
function allowedCpus(): number[] {
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  const list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? '';
  return list
    .split(',')
    .filter((range) => range !== '')
    .flatMap((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
    });
}

/**
 * One CPU for processes that must run on the same one, or undefined where that cannot be asked
 * for (no `taskset`, or a single CPU: then everything shares it anyway). The last one allowed:
 * the first often takes the most interrupts.
 */
export function sharedCpu(): number | undefined {
  const cpus = allowedCpus();
  return cpus.length > 1 && tasksetPath() !== undefined ? cpus.at(-1) : undefined;
}

/** The command and arguments that start `binary` on `cpu` alone, or as it is without one. */
export function onCpu(binary: string, cpu: number | undefined): [string, string[]] {
  const taskset = cpu === undefined ? undefined : tasksetPath();
  return taskset ? [taskset, ['--cpu-list', String(cpu), binary]] : [binary, []];
}
