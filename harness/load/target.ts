import type { CallOutcome } from '../contract/errors.ts';
import { InprocLane } from '../isolations/inproc-lane.ts';
import { isAsyncInstance, type PluginInstance } from '../engines/instance.ts';
import { type BatchingLane, canBatch, type Lane } from '../isolations/lane.ts';

/**
 * What a load model drives. An inproc lane is called synchronously (no promise per call,
 * so the harness adds nothing a hand-written loop would not); other lanes through `call`.
 */
export type CallTarget =
  | { sync: true; call(op: string, input: Uint8Array): CallOutcome; recycle(outcome: CallOutcome): Promise<void> }
  | {
      sync: false;
      /** `holdMs`: how long the caller may block for the answer (CallOptions.holdMs). */
      call(op: string, input: Uint8Array, holdMs?: number): Promise<{ outcome: CallOutcome; innerNs: number }>;
      batch?: BatchingLane['callBatch'];
    };

/**
 * `deadlineMs`: held to every call, where the lane enforces one (a synchronous inproc lane
 * cannot, and the scenario refuses it first); calls under a deadline cross one at a time.
 * `batchLimitMs`: how long a batch of n calls may take before its worker or child is killed.
 */
export function targetOf(lane: Lane, deadlineMs?: number, batchLimitMs?: (calls: number) => number): CallTarget {
  // An async instance (an Extism SDK) goes through `call` like an isolated lane; its kind never changes on recycle.
  if (lane instanceof InprocLane && !isAsyncInstance(lane.instance)) {
    return {
      sync: true,
      call: (op, input) => (lane.instance as PluginInstance).call(op, input),
      recycle: (outcome) => lane.recycleAfter(outcome),
    };
  }
  return {
    sync: false,
    call: (op, input, holdMs) => lane.call(op, input, { deadlineMs, holdMs }),
    ...(canBatch(lane) && deadlineMs === undefined
      ? {
          batch: (op: string, input: Uint8Array, count: number) =>
            lane.callBatch(op, input, count, batchLimitMs?.(count)),
        }
      : {}),
  };
}
