import { DEFAULT_MAX_OUTPUT_BYTES } from '../engines/canonical.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import { ALL_LANES, type Lane, type LaneId, ownProcess } from '../isolations/lane.ts';
import type { Boundary } from '../engines/instance.ts';
import { openAnyInstance } from '../engines/open-instance.ts';
import { findGo, GO_INSTALL, goHostBinary } from '../build/go-host.ts';
import { spawnChild, spawnWorker } from '../isolations/endpoint.ts';
import { spawnGoHost } from '../isolations/go-endpoint.ts';
import { GoHostLane } from '../isolations/go-host-lane.ts';
import { InprocLane } from '../isolations/inproc-lane.ts';
import { NodeHostLane } from '../isolations/node-host-lane.ts';
import type { OpenRequest } from '../isolations/protocol.ts';

export interface LaneOptions {
  trusted: readonly TrustedKey[];
  /** @default DEFAULT_POLICY: grants `log` and `clock`, 256 MiB, 10 s */
  policy?: HostPolicy;
  /** The JSON object passed to `init`. @default "{}" */
  config?: string;
  /** Largest output accepted from a call, in bytes. @default 64 MiB */
  maxOutputBytes?: number;
  /** JS heap of a `@worker` lane's thread, in MiB. @default DEFAULT_WORKER_HEAP_MB */
  workerHeapMb?: number;
  /**
   * `wasm-core@go`: compile with wazero's termination checks, so a deadline stops a call. They
   * exit to Go at every loop header; `false` leaves them out to measure what they cost, and the
   * lane then cannot enforce a deadline. @default true
   */
  goDeadlineChecks?: boolean;
}

/** JS heap of a worker thread that holds a plugin, in MiB. */
export const DEFAULT_WORKER_HEAP_MB = 256;

const NO_DEADLINE_CHECKS =
  "opened without wazero's termination checks (WithCloseOnContextDone), so nothing can stop a call";

const NATIVE_WORKER_DEADLINE = 'terminating a worker does not interrupt a native call blocked in C; use native@process';

/** What a worker, child or Go host is asked to load; without `config`, `init` is left to the supervisor. */
export function openRequestOf(dir: string, id: LaneId, options: LaneOptions, config: string | undefined): OpenRequest {
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
    limitNativeMemory: id.boundary === 'native' && ownProcess(id.isolation),
  };
}

/** Loads a built plugin on a lane: negotiated, initialised, ready to call. */
export async function openLane(dir: string, id: LaneId, options: LaneOptions): Promise<Lane> {
  const config = options.config ?? '{}';
  if (id.isolation === 'inproc') {
    const policy = options.policy ?? DEFAULT_POLICY;
    const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return InprocLane.open(
      id,
      () => openAnyInstance(dir, id.boundary, { trusted: options.trusted, policy, maxOutputBytes }),
      config,
    );
  }
  const request = openRequestOf(dir, id, options, config);
  if (id.isolation === 'worker') {
    const deadline =
      id.boundary === 'native'
        ? ({ enforced: false, why: NATIVE_WORKER_DEADLINE } as const)
        : ({ enforced: true, by: 'kill' } as const);
    return NodeHostLane.open(id, request, () => spawnWorker(options.workerHeapMb ?? DEFAULT_WORKER_HEAP_MB), deadline);
  }
  if (id.isolation === 'go') {
    const binary = goHostBinary();
    // wazero stops a call when its context is done; cgo cannot be interrupted, so its process is killed.
    const checks = id.boundary !== 'wasm-core' || options.goDeadlineChecks !== false;
    const deadline = !checks
      ? ({ enforced: false, why: NO_DEADLINE_CHECKS } as const)
      : ({ enforced: true, by: id.boundary === 'wasm-core' ? 'host' : 'kill' } as const);
    return GoHostLane.open(
      id,
      { ...request, ...(checks ? {} : { noDeadlineChecks: true }) },
      () => spawnGoHost(binary),
      deadline,
    );
  }
  return NodeHostLane.open(id, request, spawnChild, { enforced: true, by: 'kill' });
}

/** Where a boundary's sequences run: wasm in a worker, native in a child, so a deadline stops either and a crash stays out. */
export const sequenceLaneOf = (boundary: Boundary): LaneId => ({
  boundary,
  isolation: boundary === 'native' ? 'process' : 'worker',
});

/** Loads a plugin for init/call/shutdown sequences: negotiated, not initialised (the sequence does it). */
export async function openSequenceLane(dir: string, boundary: Boundary, options: LaneOptions): Promise<NodeHostLane> {
  const id = sequenceLaneOf(boundary);
  const spawn =
    id.isolation === 'worker' ? () => spawnWorker(options.workerHeapMb ?? DEFAULT_WORKER_HEAP_MB) : spawnChild;
  return (await NodeHostLane.open(id, openRequestOf(dir, id, options, undefined), spawn, {
    enforced: true,
    by: 'kill',
  })) as NodeHostLane;
}

/** Every lane this machine can open: the `@go` lanes need the Go toolchain. */
export function availableLanes(note: (line: string) => void): LaneId[] {
  if (findGo() !== undefined) return [...ALL_LANES];
  note(`the @go lanes are left out: ${GO_INSTALL}`);
  return ALL_LANES.filter((l) => l.isolation !== 'go');
}
