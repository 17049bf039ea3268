import { type ChildProcess, fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { Duplex } from 'node:stream';
import { CHILD_FRAME_FD, CHILD_REGION_FD, FrameCallClient } from './call-frames.ts';
import { HarnessRegionMemory, REGION_BYTES } from './mapped-calls.ts';
import { createRegion } from './mapped-region.ts';
import { adoptOrphans, killOrphans } from './orphans.ts';
import type { Channel, Reply } from './protocol.ts';
import { newSharedCallBuffer, SharedBufferMemory, SharedCallClient } from './shared-calls.ts';
import { StderrFile } from './stderr-file.ts';

/** How a worker or child ended: an exit code, a signal, or an error the runtime raised. */
/** How long a child's pipes may stay open after it exited before its ending is reported anyway, in ms. */
const PIPES_AFTER_EXIT_MS = 200;

/**
 * A child's ending, once its pipes are drained ('close': every frame it wrote has been read),
 * or shortly after its exit when something it forked still holds them open: a plugin that
 * forked and died must not leave the harness waiting for the grandchild.
 */
export function endingOf(child: ChildProcess): Promise<Ending> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      killGroup(child);
      const held = setTimeout(() => {
        for (const stream of child.stdio) stream?.destroy();
        resolve({ code, signal });
      }, PIPES_AFTER_EXIT_MS);
      child.once('close', () => {
        clearTimeout(held);
        resolve({ code, signal });
      });
    });
  });
}

/**
 * Spawn options that give a child a process group of its own (it leads a new session), so that
 * what a plugin starts in it can be killed with it: see `killGroup`.
 */
export const OWN_GROUP = { detached: true } as const;

/**
 * Children spawned with OWN_GROUP that have not exited. Out of the terminal's process group, a
 * Ctrl-C no longer reaches them, so the harness kills them when it exits: a child stuck in a
 * plugin's call would not notice that its pipes closed.
 */
const liveGroups = new Set<ChildProcess>();
const isHost = (pid: number) => [...liveGroups].some((child) => child.pid === pid);
process.once('exit', () => {
  liveGroups.forEach(killGroup);
  killOrphans(() => false);
});

/**
 * Registers a child spawned with OWN_GROUP: its group is killed when it ends and when the
 * harness exits, and so is what its plugin moved out of the group (orphans.ts).
 */
export function ownGroup<C extends ChildProcess>(child: C): C {
  adoptOrphans();
  liveGroups.add(child);
  child.once('exit', () => {
    liveGroups.delete(child);
    killOrphans(isHost);
  });
  return child;
}

/**
 * SIGKILL to a child's process group (spawned with OWN_GROUP): the child and whatever its
 * plugin started and left behind, which would otherwise outlive it holding its pipes.
 */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

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

/** Hands a shared-memory answer on, at once when it is already there (no promise hop on the fast path). */
function answered(answer: ReturnType<SharedCallClient['call']>, emit: (reply: Reply) => void): void {
  if (answer instanceof Promise) void answer.then((reply) => reply && emit(reply));
  else if (answer) emit(answer);
}

/**
 * A worker thread; `maxHeapMb` caps its JS heap (V8 resource limits, not wasm or native memory).
 * Calls cross in shared memory (shared-calls.ts), everything else by `postMessage`.
 */
export function spawnWorker(maxHeapMb: number): Endpoint {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
    stdout: false,
    stderr: false,
  });
  const sharedBuffer = newSharedCallBuffer();
  const handlers: Array<(reply: Reply) => void> = [];
  const emit = (reply: Reply) => handlers.forEach((h) => h(reply));
  // A broken answer is a broken worker: ended, it answers the call with `crash`.
  const calls = new SharedCallClient(new SharedBufferMemory(sharedBuffer), () => void worker.terminate());
  worker.on('message', emit);
  let error: Error | undefined;
  worker.on('error', (e) => (error = e));
  const ended = new Promise<Ending>((resolve) => worker.once('exit', (code) => resolve({ code, signal: null, error })));
  // A worker gone while the harness waits for its answer releases the wait at once.
  void ended.then(() => calls.close());
  return {
    ended,
    send: (message) => {
      if (message.type === 'call' || message.type === 'batch') return answered(calls.call(message), emit);
      worker.postMessage(message.type === 'open' ? { ...message, calls: { sharedBuffer } } : message);
      calls.announceControl();
    },
    onMessage: (handler) => handlers.push(handler),
    kill: async () => {
      calls.close();
      await worker.terminate();
    },
    stderrTail: () => '',
  };
}

/**
 * A child process: calls and batches in a region both map (mapped-calls.ts), with a pipe of
 * their own beside it for what does not fit (call-frames.ts); control requests on Node's IPC
 * channel. It exits when the harness disconnects, closes the pipe or is gone.
 */
export function spawnChild(): Endpoint {
  const region = createRegion(REGION_BYTES);
  const stderr = new StderrFile();
  const child = ownGroup(
    fork(new URL('./child-entry.mjs', import.meta.url), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', stderr.fd, 'ipc', 'pipe', region.fd],
      ...OWN_GROUP,
      // `gc` lets a memory sample free Node's own garbage first (instance-server.ts).
      execArgv: ['--expose-gc'],
    }),
  );
  const handlers: Array<(reply: Reply) => void> = [];
  const emit = (reply: Reply) => handlers.forEach((h) => h(reply));
  region.closeFd();
  const memory = new HarnessRegionMemory(region);
  const pipe = new FrameCallClient(child.stdio[CHILD_FRAME_FD] as Duplex, {
    onReply: emit,
    onSpilled: (answer) => calls.receiveSpilled(answer),
    onDoorbell: () => memory.doorbell(),
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  // A broken answer is a broken child: ended, it answers the call with `crash`.
  const calls: SharedCallClient = new SharedCallClient(memory, () => killGroup(child), pipe);
  const ended = endingOf(child);
  // A child gone while the harness waits for its answer releases the wait at once.
  void ended.then(() => {
    calls.close();
    stderr.close();
  });
  return {
    ended,
    pid: child.pid,
    send: (message) => {
      if (!alive()) return;
      if (message.type === 'call' || message.type === 'batch') return answered(calls.call(message), emit);
      if (!child.connected) return;
      const channel = { regionFd: CHILD_REGION_FD, regionBytes: REGION_BYTES, frameFd: CHILD_FRAME_FD };
      child.send(message.type === 'open' ? { ...message, calls: channel } : message);
      calls.announceControl();
    },
    onMessage: (handler) => handlers.push(handler),
    kill: async () => {
      killGroup(child);
      await ended;
    },
    stderrTail: () => stderr.tail(),
  };
}
