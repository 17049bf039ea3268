import type { CallFailure } from '../contract/errors.ts';
import type { ExecSlotHandle } from './exec-slot.ts';

/** Requests of the guided fuzz loop, answered inside the worker or child that holds a coverage build. */
export type CoverageRequest =
  /** Starts (or restarts, after a recycle) a session: seeds run first, then mutations. */
  | {
      type: 'coverage-begin';
      id: number;
      op: string;
      seeds: Uint8Array[];
      dictionary: Uint8Array[];
      seed: number;
      maxInputBytes: number;
    }
  /** Runs the loop for about `ms` and answers what it found. */
  | { type: 'coverage-slice'; id: number; ms: number }
  /** The smallest subset of `inputs` reaching every edge and bucket they reach together (a fresh map). */
  | { type: 'coverage-minimize'; id: number; op: string; inputs: Uint8Array[] };

/** One slice of the loop: only counts, corpus additions and a finding cross back. */
export interface SliceResult {
  execs: number;
  /** Inputs that reached new coverage in this slice. */
  added: Uint8Array[];
  /** The first input whose call ended in anything but `ok` or a plugin error. */
  finding?: { input: Uint8Array; failure: CallFailure };
  edgesSeen: number;
  edgesTotal: number;
  corpusSize: number;
}

export type CoverageReply =
  | { type: 'coverage-sliced'; id: number; result: SliceResult }
  /** The worker or child has no session (it was replaced): begin again. */
  | { type: 'coverage-no-session'; id: number }
  | { type: 'coverage-minimized'; id: number; kept: number[] };

/** What an open request carries for a coverage lane. */
export interface CoverageOpen {
  slot: ExecSlotHandle;
}
