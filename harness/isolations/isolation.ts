import type { TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import type { EngineDescriptor } from '../engines/engine.ts';
import type { Lane, LaneId, SequencingLane } from './lane.ts';

/** How a lane is opened: trust, policy and the isolation's own settings. */
export interface LaneOptions {
  trusted: readonly TrustedKey[];
  /** @default DEFAULT_POLICY */
  policy?: HostPolicy;
  /** The JSON object passed to `init`. @default "{}" */
  config?: string;
  /** Largest output accepted from a call, in bytes. @default DEFAULT_MAX_OUTPUT_BYTES */
  maxOutputBytes?: number;
  /** JS heap of a `@worker` lane's thread, in MiB. @default DEFAULT_WORKER_HEAP_MB */
  workerHeapMb?: number;
  /**
   * `wasm-core@go`: compile with wazero's termination checks, so a deadline stops a call. They
   * exit to Go at every loop header; `false` leaves them out to measure what they cost, and the
   * lane then cannot enforce a deadline. @default true
   */
  goDeadlineChecks?: boolean;
  /**
   * `@worker`, `@process`, `@go`: the one CPU the plugin runs on (`sharedCpu()`): the worker's
   * thread, the child's main thread, or the Go host and all its threads.
   * @default undefined: any the kernel picks
   */
  hostCpu?: number;
}

/** A promise a lane keeps, and by what; or the reason it cannot, which `check` reports as `unsupported`. */
export type Enforcement = { enforced: true; by: string } | { enforced: false; why: string };

/** What a lane can promise: one isolation with one engine. */
export interface LanePromises {
  /** Whether a deadline stops a call: the supervisor kills the worker or process, or the host stops it itself. */
  deadline: Lane['deadline'];
  /** Whether the memory quota holds the plugin's allocations. */
  memoryQuota: Enforcement;
  /** Engines whose faults are signals: whether a fault ends only the lane's own process (`crash`). */
  crashContainment?: Enforcement;
  /** Whether several callers of a host load share one host, each with an instance of its own. */
  callersShareHost: boolean;
}

/**
 * Where a plugin runs, as a registered kind (lanes/registry.ts): a thread of the harness, a
 * worker, a child process, or a process of another host. Its host picks the engine of each
 * boundary (engines/engine.ts); it declares once what it can promise with each engine, and
 * opens its lanes.
 */
export interface IsolationDescriptor {
  /** `inproc`, `worker`, `process`, `go`: the part of a lane's name after `@`. */
  readonly name: string;
  /** The host program whose engines it runs: `node` or `go`. */
  readonly host: string;
  /** One line for `plugbench list` and the docs. */
  readonly summary: string;
  promises(engine: EngineDescriptor): LanePromises;
  /** Why a boundary no engine of this host runs is not a lane here (`wasm-component@go`). */
  withoutEngine?(boundary: string): string;
  /** Why this machine cannot open these lanes (the Go toolchain is missing); undefined when it can. */
  unavailable?(): string | undefined;
  /** Loads a built plugin on the lane: negotiated, initialised, ready to call. */
  open(dir: string, id: LaneId, engine: EngineDescriptor, options: LaneOptions): Promise<Lane>;
}

/**
 * An optional ability: lanes for the fuzz's init/call/shutdown sequences, negotiated and not
 * initialised (the sequence does it).
 */
export interface SequencingIsolation extends IsolationDescriptor {
  openForSequences(dir: string, id: LaneId, engine: EngineDescriptor, options: LaneOptions): Promise<SequencingLane>;
}

export const canOpenSequences = (isolation: IsolationDescriptor): isolation is SequencingIsolation =>
  typeof (isolation as Partial<SequencingIsolation>).openForSequences === 'function';
