import { spawnChild } from './endpoint.ts';
import { WASM_MEMORY_MAXIMUM } from './in-harness.ts';
import type { SequencingIsolation } from './isolation.ts';
import { NodeHostLane } from './node-host-lane.ts';
import { openRequestOf } from './open-request.ts';

/** A child process of the harness: killed and respawned past a deadline, and a native fault ends only it. */
export const processIsolation: SequencingIsolation = {
  name: 'process',
  host: 'node',
  summary: 'a child process of the harness: SIGKILL and respawn past a deadline; a native fault ends only it',
  promises: (engine) => ({
    deadline: { enforced: true, by: 'kill' },
    ...(engine.faults === 'trap'
      ? { memoryQuota: WASM_MEMORY_MAXIMUM }
      : {
          memoryQuota: { enforced: true, by: 'RLIMIT_DATA in the child' },
          crashContainment: { enforced: true, by: 'the child ends with the signal, reported as `crash`' },
        }),
    callersShareHost: false,
  }),
  open: (dir, id, engine, options) =>
    NodeHostLane.open(
      id,
      openRequestOf(dir, id, options, options.config ?? '{}', engine.faults === 'signal'),
      spawnChild,
      processIsolation.promises(engine).deadline,
    ),
  openForSequences: async (dir, id, engine, options) =>
    (await NodeHostLane.open(
      id,
      openRequestOf(dir, id, options, undefined, engine.faults === 'signal'),
      spawnChild,
      processIsolation.promises(engine).deadline,
    )) as NodeHostLane,
};
