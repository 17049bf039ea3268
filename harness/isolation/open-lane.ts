import { DEFAULT_MAX_OUTPUT_BYTES } from '../lanes/canonical.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import { ALL_LANES, type Lane, type LaneId, ownProcess } from '../lanes/lane.ts';
import { openInstance } from '../lanes/open-instance.ts';
import { findGo, GO_INSTALL, goHostBinary } from '../build/go-host.ts';
import { spawnChild, spawnWorker } from './endpoint.ts';
import { spawnGoHost } from './go-endpoint.ts';
import { GoHostLane } from './go-host-lane.ts';
import { InprocLane } from './inproc-lane.ts';
import type { OpenRequest } from './protocol.ts';
import { SupervisedLane } from './supervised-lane.ts';

export interface LaneOptions {
  trusted: readonly TrustedKey[];
  /** @default DEFAULT_POLICY: grants `log` and `clock`, 256 MiB, 10 s */
  policy?: HostPolicy;
  /** The JSON object passed to `init`. @default "{}" */
  config?: string;
  /** Largest output accepted from a call, in bytes. @default 64 MiB */
  maxOutputBytes?: number;
  /** JS heap of a `@worker` lane's thread, in MiB. @default 256 */
  workerHeapMb?: number;
  /**
   * `wasm-core@go`: compile with wazero's termination checks, so a deadline stops a call. They
   * exit to Go at every loop header; `false` leaves them out to measure what they cost, and the
   * lane then cannot enforce a deadline. @default true
   */
  goDeadlineChecks?: boolean;
}

const NO_DEADLINE_CHECKS = "opened without wazero's termination checks (WithCloseOnContextDone), so nothing can stop a call";

const NATIVE_WORKER_DEADLINE = "terminating a worker does not interrupt a native call blocked in C; use native@process";

/** Loads a built plugin on a lane: negotiated, initialised, ready to call. */
export async function openLane(dir: string, id: LaneId, options: LaneOptions): Promise<Lane> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const config = options.config ?? '{}';
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (id.isolation === 'inproc') {
    return InprocLane.open(id, () => openInstance(dir, id.boundary, { trusted: options.trusted, policy, maxOutputBytes }), config);
  }
  const request: OpenRequest = {
    type: 'open',
    dir,
    boundary: id.boundary,
    trustedKeysPem: options.trusted.map((k) => k.key.export({ type: 'spki', format: 'pem' }).toString()),
    grants: [...policy.grants],
    quotas: policy.quotas,
    maxOutputBytes,
    config,
    limitNativeMemory: id.boundary === 'native' && ownProcess(id.isolation),
  };
  if (id.isolation === 'worker') {
    const deadline = id.boundary === 'native' ? ({ enforced: false, why: NATIVE_WORKER_DEADLINE } as const) : ({ enforced: true, by: 'kill' } as const);
    return SupervisedLane.open(id, request, () => spawnWorker(options.workerHeapMb ?? 256), deadline);
  }
  if (id.isolation === 'go') {
    const binary = goHostBinary();
    // wazero stops a call when its context is done; cgo cannot be interrupted, so its process is killed.
    const checks = id.boundary !== 'wasm-core' || options.goDeadlineChecks !== false;
    const deadline = !checks ? ({ enforced: false, why: NO_DEADLINE_CHECKS } as const) : ({ enforced: true, by: id.boundary === 'wasm-core' ? 'host' : 'kill' } as const);
    return GoHostLane.open(id, { ...request, ...(checks ? {} : { noDeadlineChecks: true }) }, () => spawnGoHost(binary), deadline);
  }
  return SupervisedLane.open(id, request, spawnChild, { enforced: true, by: 'kill' });
}

/** Every lane this machine can open: the `@go` lanes need the Go toolchain. */
export function availableLanes(note: (line: string) => void): LaneId[] {
  if (findGo() !== undefined) return [...ALL_LANES];
  note(`the @go lanes are left out: ${GO_INSTALL}`);
  return ALL_LANES.filter((l) => l.isolation !== 'go');
}
