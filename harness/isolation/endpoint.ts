import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Channel } from './protocol.ts';

/** How a worker or child ended: an exit code, a signal, or an error the runtime raised. */
export interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A worker thread or child process that serves one instance. */
export interface Endpoint extends Channel {
  readonly ended: Promise<Ending>;
  /** The process id, for child processes. */
  readonly pid?: number;
  /** Stops it at once and resolves when it is gone. */
  kill(): Promise<void>;
  /** The last few KiB it wrote to stderr (child processes). */
  stderrTail(): string;
}

const STDERR_TAIL_BYTES = 4096;

/** A worker thread; `maxHeapMb` caps its JS heap (V8 resource limits, not wasm or native memory). */
export function spawnWorker(maxHeapMb: number): Endpoint {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    stdout: false,
    stderr: false,
  });
  let error: Error | undefined;
  worker.on('error', (e) => (error = e));
  const ended = new Promise<Ending>((resolve) => worker.once('exit', (code) => resolve({ code, signal: null, error })));
  return {
    ended,
    send: (message) => worker.postMessage(message),
    onMessage: (handler) => worker.on('message', handler),
    kill: async () => {
      await worker.terminate();
    },
    stderrTail: () => '',
  };
}

/** A child process over Node's IPC channel; it exits when the harness disconnects. */
export function spawnChild(): Endpoint {
  const child = fork(new URL('./child-entry.mjs', import.meta.url), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // `gc` lets a memory sample free Node's own garbage first (instance-server.ts).
    execArgv: ['--expose-gc'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES)));
  const ended = new Promise<Ending>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    ended,
    pid: child.pid,
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (handler) => child.on('message', handler),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await ended;
    },
    stderrTail: () => stderr,
  };
}
