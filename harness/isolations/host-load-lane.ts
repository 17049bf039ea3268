import type { CallFailure } from '../contract/errors.ts';
import type { FailureJson } from './go-frames.ts';
import type { Lane, LaneMemory, Recycle } from './lane.ts';

/** When a measurement stops: after a duration or after a number of calls. */
export type RunBound = { durationMs: number } | { calls: number };

/** How a lane's latencies were timed, said in every report. */
export type TimingMode =
  | { mode: 'per-call' }
  /** Each recorded value is the mean of `size` calls timed together (calls shorter than the clock resolves). */
  | { mode: 'batched'; size: number }
  /** Calls crossed into the worker or child `size` at a time; each was still timed on its own, inside. */
  | { mode: 'crossing-batched'; size: number };

/** A load model a host runs itself, next to the plugin: closed loop or a constant rate. */
export interface HostLoadRequest {
  op: string;
  /** Inputs, used in turn. */
  inputs: Uint8Array[];
  model: 'open' | 'closed';
  /** Open loop: calls per second. */
  ratePerSec?: number;
  bound: RunBound;
  deadlineMs?: number;
  /** How often the host sends what it measured, in ms. */
  tickEveryMs: number;
  /** And every this many calls. @default by time only */
  tickEveryCalls?: number;
  /** Closed loop: callers at once in the host, each with an instance of its own. @default 1 */
  callers?: number;
  /**
   * Time every call on its own, without the calibration's calls, which are real ones: a load
   * that goes on in a new host after its last one died, maybe of them.
   */
  perCall?: true;
}

/** What a host measured since its previous delta (harness/hosts/go/recording.go). */
export interface LoadDelta {
  final: boolean;
  calls: number;
  late: number;
  errors: Record<string, number>;
  failureSamples: FailureJson[];
  recycles: Recycle[];
  /**
   * HdrHistogram V2, compressed base64, in ns: latency from
   * each call's intended start (open) or actual start (closed).
   */
  latency: string;
  /** Open loop: from each call's actual start. */
  uncorrected?: string;
  /** Open loop: how late each call started against its schedule. */
  jitter?: string;
  /** Final delta: the load's length in the host's clock, in ns. */
  elapsedNs?: number;
  timing?: TimingMode;
  /** Final delta: a call outlived its deadline where nothing can stop it, and the host must be killed. */
  stuck?: boolean;
  /** The host's memory as it sent this delta, so a sample matches the calls it follows. */
  memory?: LaneMemory;
}

/** How a host load ended: its final delta, or the failure that ended the host first (a crash). */
export type HostLoadEnd = { final: LoadDelta } | { ended: CallFailure };

/**
 * An optional ability: the lane's host runs a load model itself and sends HDR deltas, so the
 * latency is the host's own, with no crossing back to the harness per call.
 */
export interface HostLoadLane extends Lane {
  runLoad(request: HostLoadRequest, onDelta: (delta: LoadDelta) => void, signal?: AbortSignal): Promise<HostLoadEnd>;
}

export const canRunLoad = (lane: Lane): lane is HostLoadLane =>
  typeof (lane as Partial<HostLoadLane>).runLoad === 'function';
