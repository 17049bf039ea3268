import type { CallFailure, CallOutcome, FailureKind } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { Boundary } from '../engines/instance.ts';

/**
 * Where the plugin runs: the name of a registered isolation (`inproc`, `worker`, `process`,
 * `go`; isolations/isolation.ts, lanes/registry.ts).
 */
export type Isolation = string;

/** A boundary × isolation pair, written `wasm-core@worker`. */
export interface LaneId {
  boundary: Boundary;
  isolation: Isolation;
}

export const laneName = ({ boundary, isolation }: LaneId) => `${boundary}@${isolation}`;

/** One call through a lane. */
export interface LaneCall {
  outcome: CallOutcome;
  /** Time inside the instance (worker or child for isolated lanes), in ns. */
  innerNs: number;
  /** Time from the harness's request to its answer, in ns. */
  roundTripNs: number;
  /** When the call poisoned the instance: how long replacing it took, in ms. */
  recycleMs?: number;
}

export interface CallOptions {
  /** Stop the call after this many ms. Lanes that cannot stop a call reject a deadline (see `canEnforceDeadline`). */
  deadlineMs?: number;
  /**
   * How long the caller's thread may block for the answer before it waits in its event loop,
   * in ms, where the lane crosses through shared memory: what else is due on that loop (a
   * tick, the open loop's next send) runs at most this late. The load model knows; a short
   * bound where nothing else is due costs a wake-up that a blocked thread does not pay.
   * @default BLOCKING_WAIT_MS (shared-calls.ts)
   */
  holdMs?: number;
}

/** A replacement of a lane's instance, worker or process, and how long it took. */
export interface Recycle {
  cause: FailureKind;
  ms: number;
}

/** What a batch of calls did, timed call by call inside the worker or child. */
export interface BatchResult {
  /** ns of each completed call, in order. */
  innerNs: Float64Array;
  /** Failures of the batch (a poisoning one ends it early; the instance is then recycled). */
  failures: CallFailure[];
  /** When the batch poisoned the instance: how long replacing it took, in ms. */
  recycleMs?: number;
}

/**
 * An optional ability: many calls per crossing, for throughput where a round trip would
 * dominate. A batch not answered within `limitMs` has its worker or process killed and
 * replaced, and ends as `timeout`.
 */
export interface BatchingLane extends Lane {
  callBatch(op: string, input: Uint8Array, count: number, limitMs?: number): Promise<BatchResult>;
}

export const canBatch = (lane: Lane): lane is BatchingLane =>
  typeof (lane as Partial<BatchingLane>).callBatch === 'function';

/**
 * An optional ability: `init` and `shutdown` as steps of their own, each under a deadline like
 * a call, and a fresh instance on demand, for the fuzz's init/call/shutdown sequences. A
 * poisoned instance is replaced and initialised again with the config of the last `init` that
 * succeeded (none after a reset).
 */
export interface SequencingLane extends Lane {
  init(config: string, options?: CallOptions): Promise<LaneCall>;
  shutdown(options?: CallOptions): Promise<LaneCall>;
  /** Shuts the instance down and starts a fresh one that waits for `init`: the start of a sequence. */
  reset(options?: CallOptions): Promise<LaneCall>;
}

export const canSequence = (lane: Lane): lane is SequencingLane =>
  typeof (lane as Partial<SequencingLane>).reset === 'function';

/**
 * An optional ability: another plugin (or build) in the same worker or child, for `compare`,
 * which swaps its two sides' hosts so that what differs between two processes cancels out.
 */
export interface ReloadingLane extends Lane {
  /** Replaces the instance with the plugin in `dir`, initialised with `config`; respawns load it too. */
  reload(dir: string, config: string): Promise<LaneCall>;
}

export const canReload = (lane: Lane): lane is ReloadingLane =>
  typeof (lane as Partial<ReloadingLane>).reload === 'function';

/**
 * An optional ability: a second plugin held in the same host process as the lane's own, for
 * `compare`, which then runs both sides in one process (the Go host: GoHostLane).
 */
export interface HoldingLane extends ReloadingLane {
  /** Loads the plugin in `dir`, initialised with `config`, beside the lane's own; the lane's close unloads both. */
  holdBeside(dir: string, config: string): Promise<ReloadingLane>;
  /**
   * `calls` calls of `op` on each held plugin, alternating call by call (inputs in turn), each
   * timed in the host: both plugins meet the machine as it is at that moment. Not answered
   * within `limitMs`, the host is killed and replaced, and the pairs end as `timeout`.
   */
  callPaired(op: string, inputs: Uint8Array[], calls: number, limitMs: number): Promise<PairedCalls>;
}

/**
 * What `callPaired` timed: ns of each whole pair's calls, in order, and each plugin's failures
 * (the lane's own, then the one beside it); a failure that poisoned an instance ended it early.
 */
export interface PairedCalls {
  innerNs: [Float64Array, Float64Array];
  failures: [CallFailure[], CallFailure[]];
  /** The host died or was killed: which plugin's call did it is not known. */
  ended?: CallFailure;
}

export const canHoldBeside = (lane: Lane): lane is HoldingLane =>
  typeof (lane as Partial<HoldingLane>).holdBeside === 'function';

/** Memory of a lane's instance and of whatever holds it. */
export interface LaneMemory {
  /** The plugin's linear memory (wasm lanes). */
  wasmMemoryBytes?: number;
  /** RSS of the child process (`@process` lanes). */
  childRssBytes?: number;
  /**
   * Bytes the child holds from malloc (less JS array buffers in
   * a Node child), where a native plugin's allocations live.
   */
  childMallocBytes?: number;
  /** The Go host's heap (`@go` lanes). */
  childGoHeapBytes?: number;
}

/**
 * A plugin loaded on one lane: negotiated, callable, recyclable. Calls never throw for what
 * a plugin does; they end in an outcome. After a poisoning failure the lane replaces the
 * instance (new instance, worker or process) before the next call, and says how long it took.
 */
export interface Lane {
  readonly id: LaneId;
  readonly name: string;
  readonly manifest: Manifest;
  /**
   * Whether a deadline stops a call on this lane, and how: the supervisor kills the worker or
   * process (`kill`), or the host stops the call itself and keeps its process (`host`, e.g.
   * wazero's context cancellation). When not, `why` says so for `unsupported` checks.
   */
  readonly deadline: { enforced: true; by: 'kill' | 'host' } | { enforced: false; why: string };
  /** Every recycle so far, oldest first. */
  readonly recycles: readonly Recycle[];
  call(op: string, input: Uint8Array, options?: CallOptions): Promise<LaneCall>;
  memory(): Promise<LaneMemory>;
  /** Shuts the plugin down and releases its instance, worker or process. Idempotent. */
  close(): Promise<void>;
}
