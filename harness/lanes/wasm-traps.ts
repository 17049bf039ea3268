import { type CallFailure, type CallOutcome, failed, POISONING_KINDS } from '../contract/errors.ts';
import { ProtocolViolation } from './canonical.ts';
import type { HostFunctions } from './host-functions.ts';

/**
 * Turns what a wasm call threw into a failure. A trap preceded by `host.panicked` is a
 * `panic`; V8 reports wasm stack exhaustion as a RangeError, which is a `trap` too.
 * Anything else is the harness's own bug and is rethrown.
 */
export function classifyWasmError(error: unknown, panicMessage: string | undefined): CallFailure {
  if (error instanceof ProtocolViolation) return { kind: 'protocol', message: error.message };
  if (panicMessage !== undefined) return { kind: 'panic', message: panicMessage };
  if (error instanceof RangeError && /call stack/i.test(error.message)) return { kind: 'trap', message: `stack overflow (${error.message})` };
  if (error instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: error.message };
  throw error;
}

/**
 * Runs calls into one wasm instance: turns throws into failures and refuses any call after a
 * poisoning failure (the lane must recycle the instance instead).
 */
export class WasmCallGuard {
  #poisoned: string | undefined;

  constructor(private readonly host: HostFunctions) {}

  get usable(): boolean {
    return this.#poisoned === undefined;
  }

  run(body: () => CallOutcome): CallOutcome {
    if (this.#poisoned !== undefined) throw new Error(`harness bug: instance called after it was ${this.#poisoned}`);
    let outcome: CallOutcome;
    try {
      outcome = body();
      if (!outcome.ok) outcome = failed(outcome.failure);
    } catch (e) {
      outcome = failed(classifyWasmError(e, this.host.takePanic()));
    }
    if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind)) this.#poisoned = `poisoned by a ${outcome.failure.kind}`;
    return outcome;
  }

  close(): void {
    this.#poisoned ??= 'closed';
  }
}
