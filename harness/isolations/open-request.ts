import { DEFAULT_POLICY } from '../contract/policy.ts';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../engines/canonical.ts';
import type { LaneOptions } from './isolation.ts';
import type { LaneId } from './lane.ts';
import type { OpenRequest } from './protocol.ts';

/**
 * What a worker, child or Go host is asked to load; without `config`, `init` is left to the
 * supervisor. `limitNativeMemory`: the process is the plugin's own, so RLIMIT_DATA holds a
 * native plugin's allocations.
 */
export function openRequestOf(
  dir: string,
  id: LaneId,
  options: LaneOptions,
  config: string | undefined,
  limitNativeMemory: boolean,
): OpenRequest {
  const policy = options.policy ?? DEFAULT_POLICY;
  return {
    type: 'open',
    dir,
    boundary: id.boundary,
    trustedKeysPem: options.trusted.map((k) => k.key.export({ type: 'spki', format: 'pem' }).toString()),
    grants: [...policy.grants],
    quotas: policy.quotas,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    ...(config !== undefined ? { config } : {}),
    limitNativeMemory,
    ...(options.hostCpu !== undefined ? { cpu: options.hostCpu } : {}),
  };
}
