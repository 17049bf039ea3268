// Generated from harness/contract/contract.json by `node scripts/contract-gen.mjs`: edit the table, not this file.

/** ABI version of contract v1 this host speaks: a plugin must match the major and not be newer in minor. */
export const HOST_ABI = { major: 1, minor: 0 } as const;
/** The only module a contract-v1 core module may import from. */
export const HOST_IMPORT_MODULE = 'plugbench:plugin/host@1.0.0';
/** The closed set of ways a call or a load can fail; on the Go wire a kind is its index plus one (0: ok). */
export const FAILURE_KINDS = [
  'plugin',
  'panic',
  'trap',
  'timeout',
  'crash',
  'resource-exhausted',
  'protocol',
  'incompatible',
  'rejected',
] as const;
/** Kinds after which an instance is never called again. */
export const POISONING_KIND_NAMES = ['panic', 'trap', 'timeout', 'crash', 'resource-exhausted'] as const;
/** The plugin's own error codes, in WIT order (the canonical-ABI discriminant is the index). */
export const ERROR_CODES = ['invalid-input', 'unsupported-op', 'resource-exhausted', 'internal'] as const;
/** Native status codes from plugbench.h: 1..ERROR_CODES.length are the error codes in order. */
export const NATIVE_STATUS = { ok: 0, panic: 255 } as const;
/** Limits shared by every engine (bytes, or a share of the memory quota). */
export const CONTRACT_LIMITS = {
  maxMessageBytes: 4096,
  defaultMaxOutputBytes: 67108864,
  exhaustedMemoryShare: 0.9,
  wasmPageBytes: 65536,
  maxWasm32Pages: 65536,
} as const;
/** Timing rules shared by the harness and the Go host (clock reads, ns, ms, counts). */
export const CONTRACT_TIMING = {
  perCallMinReads: 20,
  batchMinReads: 100,
  clockCalibrationReads: 20000,
  calibrationCalls: 201,
  calibrationBudgetNs: 50000000,
  maxBatch: 10000,
  sleepAboveNs: 2000000,
  tickMs: 100,
  highestTrackableNs: 3600000000000,
  significantDigits: 3,
  failureSamplesPerKind: 3,
  batchFailuresKept: 16,
} as const;
/** Exit codes of a Go host that cannot go on: `quota`, when the memory quota leaves no room to go on. */
export const GO_HOST_EXIT = { fatal: 3, quota: 4 } as const;
/** Frame types of the Go host's wire protocol. */
export const GO_REQUEST = {
  open: 1,
  describe: 2,
  init: 3,
  call: 4,
  batch: 5,
  memory: 6,
  load: 7,
  stop: 8,
  close: 9,
  hold: 10,
  paired: 11,
} as const;
export const GO_REPLY = {
  opened: 101,
  described: 102,
  refused: 103,
  outcome: 104,
  batched: 105,
  memory: 106,
  loadTick: 107,
  closed: 108,
  paired: 109,
} as const;
/** Frame types only a `@process` child sends (harness/isolation/call-frames.ts), numbered apart from the above. */
export const CHILD_FRAME = { reply: 120, answered: 121 } as const;
