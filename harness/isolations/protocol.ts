import type { CallOutcome } from '../contract/errors.ts';
import type { BatchResult, PairedCalls } from './lane.ts';
import { type HostLoadRequest, type LoadDelta } from './host-load-lane.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { Capability, Quotas } from '../contract/policy.ts';
import type { Boundary } from '../engines/instance.ts';
import type { CoverageOpen, CoverageReply, CoverageRequest } from '../coverage/messages.ts';

/**
 * Messages between a supervisor and the worker or child process that holds an instance (the Go
 * host's endpoint translates them to frames).
 */

export interface OpenRequest {
  type: 'open';
  dir: string;
  boundary: Boundary;
  /** SPKI PEM of each trusted key: key objects do not cross a process boundary. */
  trustedKeysPem: string[];
  grants: Capability[];
  quotas: Quotas;
  maxOutputBytes: number;
  /**
   * Passed to `init` once the plugin is loaded, and again after a recycle (then the config of
   * the last `init` request that succeeded). Absent: the instance waits for an `init` request.
   */
  config?: string;
  /** Hold a native plugin's allocations to the memory quota with RLIMIT_DATA (child processes only). */
  limitNativeMemory: boolean;
  /** The one CPU the thread that calls the plugin runs on (`LaneOptions.hostCpu`). */
  cpu?: number;
  /** `wasm-core@go` only: compile without wazero's termination checks, so deadlines cannot stop calls. */
  noDeadlineChecks?: boolean;
  /** Load the plugin's coverage build and serve the guided fuzz loop (`wasm-core` and `native`). */
  coverage?: CoverageOpen;
  /**
   * Where calls travel instead of this channel: a worker's shared buffer, or a child's region
   * mapped from `regionFd` beside its frame pipe (payloads too large for the region, replies).
   */
  calls?: { sharedBuffer: SharedArrayBuffer } | { regionFd: number; regionBytes: number; frameFd: number };
  /** Load it beside the plugin the Go host holds, as its second (`Beside`), keeping the first. */
  beside?: true;
}

/**
 * A request to the second plugin of a Go host that holds two (`GoHostLane.holdBeside`, for
 * `compare`); without it, a request is the first's.
 */
export type Beside = { beside?: true };

/**
 * `deadlineMs` goes only to a host that stops calls itself (deadline `by: 'host'`); `holdMs`
 * stays with the harness's end of a shared-memory channel (CallOptions.holdMs).
 */
export type CallRequest = {
  type: 'call';
  id: number;
  op: string;
  input: Uint8Array;
  deadlineMs?: number;
  holdMs?: number;
} & Beside;

/** `count` calls of one op in one crossing, each timed inside. */
export type BatchRequest = { type: 'batch'; id: number; op: string; input: Uint8Array; count: number };

export type Request =
  | CallRequest
  | BatchRequest
  /** A sequence lane's steps (Node workers and children only), each answered with `called`. */
  | { type: 'init'; id: number; config: string }
  | { type: 'shutdown'; id: number }
  /** Shuts the instance down and replaces it with a fresh one that waits for `init` (the config is forgotten). */
  | { type: 'reset'; id: number }
  /**
   * Replaces the instance with one of the plugin in `dir`, loaded as at open (signature, ABI)
   * and initialised with `config`; recycles load that one from then on.
   */
  | ({ type: 'reload'; id: number; dir: string; config: string } & Beside)
  | { type: 'memory'; id: number }
  /** A load model run by the host itself (hosts that can: see HostLoadLane). */
  | ({ type: 'load'; id: number } & HostLoadRequest & Beside)
  | { type: 'stop-load'; id: number }
  /** `calls` calls on each of a Go host's two held plugins, alternating (`HoldingLane.callPaired`). */
  | { type: 'paired'; id: number; op: string; inputs: Uint8Array[]; calls: number }
  | { type: 'close'; id: number }
  | CoverageRequest;

export type Reply =
  | { type: 'ready'; manifest: Manifest; memoryLimit?: string }
  | { type: 'refused'; kind: 'incompatible' | 'rejected' | 'protocol'; message: string }
  | { type: 'called'; id: number; outcome: CallOutcome; innerNs: number; recycleMs?: number }
  | { type: 'batched'; id: number; batch: BatchResult }
  | {
      type: 'memory';
      id: number;
      wasmMemoryBytes?: number;
      rssBytes: number;
      mallocBytes: number;
      goHeapBytes?: number;
    }
  | { type: 'load-tick'; id: number; delta: LoadDelta }
  | { type: 'paired'; id: number; paired: PairedCalls }
  | { type: 'closed'; id: number }
  | CoverageReply;

/** How a supervisor talks to its worker or child. */
export interface Channel {
  send(message: OpenRequest | Request | Reply): void;
  onMessage(handler: (message: any) => void): void;
}

/**
 * The far side of a call channel (a worker's or a child's), read by blocking between calls
 * instead of waiting in the event loop.
 */
export interface BlockingCallSource {
  /**
   * Blocks until the next call and returns it, or returns `undefined` once the supervisor has
   * announced more control messages than `controlSeen`: they wait in the event loop.
   */
  next(controlSeen: number): { op: string; input: Uint8Array; batchCount?: number } | undefined;
  /** Answers the call `next` returned last. */
  answer(outcome: CallOutcome, innerNs: number, recycleMs?: number): void;
  /** Answers the batch `next` returned last. */
  answerBatch(batch: BatchResult): void;
}
