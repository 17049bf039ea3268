import type { FailureKind } from '../contract/errors.ts';
import { NOT_FOR_EXTISM } from '../abi/extism.ts';
import { type LaneId, ownProcess } from '../isolations/lane.ts';

/** What a cell of the safety matrix expects: an outcome kind, or that the lane cannot do it. */
export type Expectation = { expect: FailureKind; message?: RegExp; signal?: string } | { unsupported: string };

/** A fault the `faulty` fixture can commit on demand, and what each lane must make of it. */
export interface FaultCase {
  /** The `faulty` op that commits it. */
  op: string;
  /** Input for the op (u64 LE for `slow`). */
  input?: Uint8Array;
  /** Whether the call needs a deadline to end. */
  needsDeadline?: boolean;
  expectOn(lane: LaneId): Expectation;
}

const NATIVE_IN_HARNESS =
  "a native fault in the harness's own process would take the harness down; only native@process and native@go contain it";
const isWasm = (lane: LaneId) => lane.boundary !== 'native';
const nativeOutside = (lane: LaneId) => lane.boundary === 'native' && !ownProcess(lane.isolation);

/** The `liar` fixture's ops: each breaks the contract in what it returns; every lane must say `protocol`. */
export const PROTOCOL_LIES = ['bad-pointer', 'bad-length', 'bad-utf8', 'bad-code'] as const;

/** Deadline given to calls that never end on their own, in ms. */
export const CHECK_DEADLINE_MS = 200;

/** Deadline of fault calls that end on their own, in ms: long, so a loaded machine does not turn a fault into a timeout. */
export const BACKSTOP_DEADLINE_MS = 10_000;

function deadlineExpectation(lane: LaneId): Expectation {
  if (lane.isolation === 'inproc')
    return { unsupported: "a call on the harness's own thread cannot be interrupted; use @worker or @process" };
  if (lane.boundary === 'native' && lane.isolation === 'worker')
    return { unsupported: 'terminating a worker does not interrupt a native call blocked in C; use native@process' };
  return { expect: 'timeout' };
}

/** The faults, in the order a lane suffers them (each one recycles the instance for the next). */
export const FAULTS: readonly FaultCase[] = [
  { op: 'panic', expectOn: () => ({ expect: 'panic', message: /panicked at \S*src\/lib\.rs:\d+:\d+: boom/ }) },
  {
    op: 'segv',
    expectOn: (lane) =>
      isWasm(lane)
        ? { expect: 'trap', message: /out of bounds/ }
        : nativeOutside(lane)
          ? { unsupported: NATIVE_IN_HARNESS }
          : { expect: 'crash', signal: 'SIGSEGV' },
  },
  {
    op: 'abort',
    expectOn: (lane) =>
      isWasm(lane)
        ? { expect: 'trap' }
        : nativeOutside(lane)
          ? { unsupported: NATIVE_IN_HARNESS }
          : { expect: 'crash', signal: 'SIGABRT' },
  },
  {
    op: 'escape',
    expectOn: (lane) =>
      isWasm(lane)
        ? { expect: 'panic' }
        : nativeOutside(lane)
          ? { unsupported: NATIVE_IN_HARNESS }
          : { expect: 'crash', signal: 'SIGABRT' },
  },
  {
    op: 'recurse',
    expectOn: (lane) =>
      isWasm(lane)
        ? { expect: 'trap' }
        : nativeOutside(lane)
          ? { unsupported: NATIVE_IN_HARNESS }
          : { expect: 'crash' },
  },
  {
    op: 'hog',
    expectOn: (lane) =>
      isWasm(lane) || ownProcess(lane.isolation)
        ? { expect: 'resource-exhausted' }
        : {
            unsupported:
              "no quota can hold native allocations inside the harness's own process; use native@process or native@go (RLIMIT_DATA)",
          },
  },
  { op: 'spin', needsDeadline: true, expectOn: deadlineExpectation },
];

const JS_SDK_DROPS_CODE =
  "@extism/extism 1.0.3 discards an export's return value, so a non-zero code without an error reads as ok on the Node lanes; the Go SDK reports it";

/**
 * The `ext-faulty` fixture's faults on an Extism SDK: its own error verbatim, a bare return
 * code, a Rust panic (a trap: extism-pdk reports no message), memory exhaustion, a spin.
 * Only `wasm-core` lanes run Extism plugins.
 */
const EXTISM_FAULTS_ON_WASM_CORE: readonly FaultCase[] = [
  { op: 'fail', expectOn: () => ({ expect: 'plugin', message: /^ext-faulty refuses 0 bytes: «verbatim» ✓$/ }) },
  {
    op: 'code',
    expectOn: (lane) =>
      lane.isolation === 'go'
        ? { expect: 'plugin', message: /^`code` returned 7 without setting an error$/ }
        : { unsupported: JS_SDK_DROPS_CODE },
  },
  { op: 'panic', expectOn: () => ({ expect: 'trap', message: /unreachable/ }) },
  { op: 'hog', expectOn: () => ({ expect: 'resource-exhausted' }) },
  { op: 'spin', needsDeadline: true, expectOn: deadlineExpectation },
];
export const EXTISM_FAULTS: readonly FaultCase[] = EXTISM_FAULTS_ON_WASM_CORE.map((fault) => ({
  ...fault,
  expectOn: (lane: LaneId): Expectation =>
    lane.boundary === 'wasm-core' ? fault.expectOn(lane) : { unsupported: NOT_FOR_EXTISM },
}));
