import { type CallFailure, type CallOutcome, failed, POISONING_KINDS } from '../contract/errors.ts';
import { ProtocolViolation } from './canonical.ts';
import type { HostFunctions } from './host-functions.ts';
import { CONTRACT_LIMITS } from '../contract/generated.ts';

/** Share of the memory quota above which a trap without a panic reads as memory exhaustion. */
export const EXHAUSTED_MEMORY_SHARE = CONTRACT_LIMITS.exhaustedMemoryShare;

/** The memory of the instance a call ran in, for telling exhaustion from other traps. */
export interface MemoryState {
  bytes: number;
  quotaBytes: number;
}

/**
 * Turns what a wasm call threw into a failure. A trap preceded by `host.panicked` is a
 * `panic`. Rust aborts (a trap, no panic) when an allocation fails, and `memory.grow` fails
 * only at the quota the module was limited to, so a trap with memory near the quota is
 * `resource-exhausted`. V8 reports wasm stack exhaustion as a RangeError: a `trap`.
 * Anything else is the harness's own bug and is rethrown.
 */
export function classifyWasmError(error: unknown, panicMessage: string | undefined, memory?: MemoryState): CallFailure {
  if (error instanceof ProtocolViolation) return { kind: 'protocol', message: error.message };
  if (panicMessage !== undefined) return { kind: 'panic', message: panicMessage };
  if (
    error instanceof WebAssembly.RuntimeError &&
    memory !== undefined &&
    memory.bytes >= memory.quotaBytes * EXHAUSTED_MEMORY_SHARE
  ) {
    return {
      kind: 'resource-exhausted',
      message:
        `memory quota: the instance trapped (${error.message}) with ${memory.bytes} bytes of linear ` +
        `memory, quota ${memory.quotaBytes}`,
    };
  }
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return { kind: 'trap', message: `stack overflow (${error.message})` };
  if (error instanceof WebAssembly.RuntimeError) return { kind: 'trap', message: error.message };
  throw error;
}

/**
 * Runs calls into one wasm instance: turns throws into failures and refuses any call after a
 * poisoning failure (the lane must recycle the instance instead).
 */
export class WasmCallGuard {
  #poisoned: string | undefined;

  constructor(
    private readonly host: HostFunctions,
    private readonly memory: () => MemoryState,
  ) {}

  get usable(): boolean {
    return this.#poisoned === undefined;
  }

  run(body: () => CallOutcome): CallOutcome {
    this.enter();
    try {
      return this.settle(body());
    } catch (e) {
      return this.caught(e);
    }
  }

  /**
   * `enter`, then `settle` what the call returned or `caught` what it threw: `run` without a
   * closure, for the per-call path.
   */
  enter(): void {
    if (this.#poisoned !== undefined) throw new Error(`harness bug: instance called after it was ${this.#poisoned}`);
  }

  settle(outcome: CallOutcome): CallOutcome {
    return outcome.ok ? outcome : this.#poisonOn(failed(outcome.failure));
  }

  caught(error: unknown): CallOutcome {
    return this.#poisonOn(failed(classifyWasmError(error, this.host.takePanic(), this.memory())));
  }

  #poisonOn(outcome: CallOutcome): CallOutcome {
    if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind))
      this.#poisoned = `poisoned by a ${outcome.failure.kind}`;
    return outcome;
  }

  close(): void {
    this.#poisoned ??= 'closed';
  }
}
