import { CONTRACT_LIMITS, ERROR_CODES, FAILURE_KINDS, NATIVE_STATUS, POISONING_KIND_NAMES } from './generated.ts';

// The kinds, codes and statuses are generated from contract.json, shared with the Go host.
export { ERROR_CODES, FAILURE_KINDS, NATIVE_STATUS };
/** The closed set of ways a call or a load can fail (DESIGN.md, "Error model"). */
export type FailureKind = (typeof FAILURE_KINDS)[number];
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Maps a native status from plugbench.h to the WIT error code it stands for. */
export function errorCodeOfNativeStatus(status: number): ErrorCode | undefined {
  return status >= 1 && status <= 4 ? ERROR_CODES[status - 1] : undefined;
}

/** Kinds after which an instance is never called again: it must be recycled. */
export const POISONING_KINDS: ReadonlySet<FailureKind> = new Set(POISONING_KIND_NAMES);

/** How one call into a plugin failed. `code` exists exactly when the plugin itself returned an error. */
export type CallFailure =
  | { kind: 'plugin'; code: ErrorCode; message: string }
  | { kind: Exclude<FailureKind, 'plugin'>; message: string; signal?: string };

/** The end of one call: its output, or how it failed. */
export type CallOutcome = { ok: true; output: Uint8Array } | { ok: false; failure: CallFailure };

/** A failure with the context a report needs to reproduce it. */
export type PluginFailure = CallFailure & { lane: string; plugin: string; op: string };

/** Messages are bounded so a hostile plugin cannot flood reports (bytes of UTF-8, not characters). */
export const MAX_MESSAGE_BYTES = CONTRACT_LIMITS.maxMessageBytes;

export function boundMessage(message: string): string {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= MAX_MESSAGE_BYTES) return message;
  return `${bytes
    .subarray(0, MAX_MESSAGE_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}… (${bytes.length} bytes, truncated)`;
}

export function failed(failure: CallFailure): CallOutcome {
  return { ok: false, failure: { ...failure, message: boundMessage(failure.message) } };
}

/**
 * A load refused by negotiation (`incompatible`), provenance (`rejected`) or a broken
 * contract at load time (`protocol`). The message names the field and the fix.
 */
export class PluginLoadError extends Error {
  constructor(
    readonly kind: 'incompatible' | 'rejected' | 'protocol',
    message: string,
  ) {
    super(message);
    this.name = 'PluginLoadError';
  }
}

/** The harness was used wrongly: a bad flag, scenario or path. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A lane this machine cannot run (the `@go` lanes without a Go toolchain, or a Go host that does
 * not build). Outside a run it is a usage error (exit 2); in a run, that lane is recorded as
 * errored and the others go on.
 */
export class LaneUnavailableError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'LaneUnavailableError';
  }
}
