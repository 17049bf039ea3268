import { spawnWorker } from './endpoint.ts';
import { inHarnessProcess } from './in-harness.ts';
import type { LaneOptions, SequencingIsolation } from './isolation.ts';
import { NodeHostLane } from './node-host-lane.ts';
import { openRequestOf } from './open-request.ts';

/** JS heap of a worker thread that holds a plugin, in MiB. */
export const DEFAULT_WORKER_HEAP_MB = 256;

const spawnFor = (options: LaneOptions) => () => spawnWorker(options.workerHeapMb ?? DEFAULT_WORKER_HEAP_MB);

/** A worker thread of the harness: past a deadline it is terminated and another started. */
export const workerIsolation: SequencingIsolation = {
  name: 'worker',
  host: 'node',
  summary: 'a worker thread of the harness, terminated and respawned past a deadline',
  promises: (engine) => ({
    deadline:
      engine.faults === 'signal'
        ? {
            enforced: false,
            why: 'terminating a worker does not interrupt a native call blocked in C; use native@process',
          }
        : { enforced: true, by: 'kill' },
    ...inHarnessProcess(engine),
    callersShareHost: false,
  }),
  open: (dir, id, engine, options) =>
    NodeHostLane.open(
      id,
      openRequestOf(dir, id, options, options.config ?? '{}', false),
      spawnFor(options),
      workerIsolation.promises(engine).deadline,
    ),
  openForSequences: async (dir, id, engine, options) =>
    (await NodeHostLane.open(
      id,
      openRequestOf(dir, id, options, undefined, false),
      spawnFor(options),
      workerIsolation.promises(engine).deadline,
    )) as NodeHostLane,
};
