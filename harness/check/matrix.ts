import type { FailureKind } from '../contract/errors.ts';
import { abiProblem } from '../abi/abi.ts';
import type { LaneId } from '../isolations/lane.ts';
import { laneKind } from '../lanes/registry.ts';

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

/**
 * A fault of the plugin's code: what a wasm engine makes of it (it traps), else what a native
 * one does where its process is the plugin's own; where not, the isolation's reason.
 */
function faultOfCode(lane: LaneId, onWasm: Expectation, onNative: Expectation): Expectation {
  const { engine, promises } = laneKind(lane);
  if (engine.faults === 'trap') return onWasm;
  const contained = promises.crashContainment!;
  return contained.enforced ? onNative : { unsupported: contained.why };
}

/** The `liar` fixture's ops: each breaks the contract in what it returns; every lane must say `protocol`. */
export const PROTOCOL_LIES = ['bad-pointer', 'bad-length', 'bad-utf8', 'bad-code'] as const;

/** Deadline given to calls that never end on their own, in ms. */
export const CHECK_DEADLINE_MS = 200;

/**
 * Deadline of calls that end on their own (faults, and the healthy calls after them), in ms: long,
 * so a loaded machine does not turn a fault or a recovery into a timeout.
 */
export const BACKSTOP_DEADLINE_MS = 10_000;

function deadlineExpectation(lane: LaneId): Expectation {
  const { deadline } = laneKind(lane).promises;
  return deadline.enforced ? { expect: 'timeout' } : { unsupported: deadline.why };
}

function memoryQuotaExpectation(lane: LaneId): Expectation {
  const quota = laneKind(lane).promises.memoryQuota;
  return quota.enforced ? { expect: 'resource-exhausted' } : { unsupported: quota.why };
}

/** The faults, in the order a lane suffers them (each one recycles the instance for the next). */
export const FAULTS: readonly FaultCase[] = [
  { op: 'panic', expectOn: () => ({ expect: 'panic', message: /panicked at \S*src\/lib\.rs:\d+:\d+: boom/ }) },
  {
    op: 'segv',
    expectOn: (lane) =>
      faultOfCode(lane, { expect: 'trap', message: /out of bounds/ }, { expect: 'crash', signal: 'SIGSEGV' }),
  },
  {
    op: 'abort',
    expectOn: (lane) => faultOfCode(lane, { expect: 'trap' }, { expect: 'crash', signal: 'SIGABRT' }),
  },
  {
    op: 'escape',
    expectOn: (lane) => faultOfCode(lane, { expect: 'panic' }, { expect: 'crash', signal: 'SIGABRT' }),
  },
  {
    op: 'recurse',
    expectOn: (lane) => faultOfCode(lane, { expect: 'trap' }, { expect: 'crash' }),
  },
  { op: 'hog', expectOn: memoryQuotaExpectation },
  { op: 'spin', needsDeadline: true, expectOn: deadlineExpectation },
];

const JS_SDK_DROPS_CODE =
  "@extism/extism 1.0.3 discards an export's return value, so a non-zero code without an error reads as ok on " +
  'the Node lanes; the Go SDK reports it';

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
      laneKind(lane).engine.host === 'go'
        ? { expect: 'plugin', message: /^`code` returned 7 without setting an error$/ }
        : { unsupported: JS_SDK_DROPS_CODE },
  },
  { op: 'panic', expectOn: () => ({ expect: 'trap', message: /unreachable/ }) },
  { op: 'hog', expectOn: () => ({ expect: 'resource-exhausted' }) },
  { op: 'spin', needsDeadline: true, expectOn: deadlineExpectation },
];
export const EXTISM_FAULTS: readonly FaultCase[] = EXTISM_FAULTS_ON_WASM_CORE.map((fault) => ({
  ...fault,
  expectOn: (lane: LaneId): Expectation => {
    const problem = abiProblem('extism', laneKind(lane).engine.abis);
    return problem === undefined ? fault.expectOn(lane) : { unsupported: problem };
  },
}));
