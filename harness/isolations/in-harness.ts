import type { EngineDescriptor } from '../engines/engine.ts';
import type { LanePromises } from './isolation.ts';

/**
 * What an isolation inside the harness's own process (its thread, or a worker) can promise
 * about memory and crashes: a wasm module's memory maximum is rewritten to the quota, but
 * nothing holds native allocations or contains a native fault there.
 */
export function inHarnessProcess(engine: EngineDescriptor): Pick<LanePromises, 'memoryQuota' | 'crashContainment'> {
  if (engine.faults === 'trap') return { memoryQuota: WASM_MEMORY_MAXIMUM };
  return {
    memoryQuota: {
      enforced: false,
      why:
        "no quota can hold native allocations inside the harness's own process; " +
        'use native@process or native@go (RLIMIT_DATA)',
    },
    crashContainment: {
      enforced: false,
      why:
        "a native fault in the harness's own process would take the harness down; " +
        'only native@process and native@go contain it',
    },
  };
}

/** How a wasm engine holds the memory quota, in any host. */
export const WASM_MEMORY_MAXIMUM = {
  enforced: true,
  by: "the module's memory maximum, rewritten to the quota, so `memory.grow` fails there",
} as const;
