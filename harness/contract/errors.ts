/** The closed set of ways a call or a load can fail (DESIGN.md, "Error model"). */
export const FAILURE_KINDS = [
  'plugin', 'panic', 'trap', 'timeout', 'crash',
  'resource-exhausted', 'protocol', 'incompatible', 'rejected',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The plugin's own error codes, in WIT order (the canonical-ABI discriminant is the index). */
export const ERROR_CODES = ['invalid-input', 'unsupported-op', 'resource-exhausted', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Native status codes from plugbench.h, mapped to the WIT error codes. */
export const NATIVE_STATUS = { ok: 0, panic: 255 } as const;
export function errorCodeOfNativeStatus(status: number): ErrorCode | undefined {
  return status >= 1 && status <= 4 ? ERROR_CODES[status - 1] : undefined;
}

/** Kinds after which an instance is never called again: it must be recycled. */
export const POISONING_KINDS: ReadonlySet<FailureKind> = new Set(['panic', 'trap', 'timeout', 'crash', 'resource-exhausted']);

/** How one call into a plugin failed. `code` exists exactly when the plugin itself returned an error. */
export type CallFailure =
  | { kind: 'plugin'; code: ErrorCode; message: string }
  | { kind: Exclude<FailureKind, 'plugin'>; message: string; signal?: string };

/** The end of one call: its output, or how it failed. */
export type CallOutcome = { ok: true; output: Uint8Array } | { ok: false; failure: CallFailure };

/** A failure with the context a report needs to reproduce it. */
export type PluginFailure = CallFailure & { lane: string; plugin: string; op: string };

/** Messages are bounded so a hostile plugin cannot flood reports (bytes of UTF-8, not characters). */
export const MAX_MESSAGE_BYTES = 4096;

export function boundMessage(message: string): string {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= MAX_MESSAGE_BYTES) return message;
  return `${bytes.subarray(0, MAX_MESSAGE_BYTES).toString('utf8').replace(/\uFFFD$/, '')}… (${bytes.length} bytes, truncated)`;
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
