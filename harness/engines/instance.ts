import type { CallOutcome } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { HostPolicy } from '../contract/policy.ts';

/** How the host crosses into the plugin. */
export const BOUNDARIES = ['wasm-core', 'wasm-component', 'native'] as const;
export type Boundary = (typeof BOUNDARIES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The SanitizerCoverage runtime of a coverage build (core modules): the `env` imports it needs,
 * and the instance's memory once it exists. Only guided fuzzing passes one; without it the
 * negotiation refuses those imports, so a coverage build is never loaded for timing.
 */
export interface SanitizerRuntime {
  readonly imports: Record<string, Function>;
  attach(memory: WebAssembly.Memory): void;
}

/** What every boundary needs to open an instance. */
export interface InstanceOptions {
  policy: HostPolicy;
  /** Largest output or message accepted from the plugin, in bytes. */
  maxOutputBytes: number;
  /** Receives the plugin's `log` calls. @default drop them */
  onLog?: (level: LogLevel, message: string) => void;
  /** Supplies `env::__sanitizer_cov_*` to a core-module coverage build. @default none: such imports are refused */
  sanitizer?: SanitizerRuntime;
}

/**
 * One live, negotiated instance of a plugin on one boundary, in the calling thread.
 * Calls are synchronous: deadlines and crash containment belong to the isolation that
 * holds the instance, not to the instance. After a call fails with a poisoning kind
 * (see POISONING_KINDS) the instance must not be called again; it throws if it is.
 */
export interface PluginInstance {
  readonly boundary: Boundary;
  /** The negotiated manifest from `describe`. */
  readonly manifest: Manifest;
  init(config: string): CallOutcome;
  call(op: string, input: Uint8Array): CallOutcome;
  /**
   * Ends the plugin; on wasm a trap in it poisons the instance
   * like a call's. Ok on a poisoned instance (nothing runs).
   */
  shutdown(): CallOutcome;
  /** Bytes of the plugin's linear memory; undefined where the boundary cannot tell (native). */
  memoryBytes(): number | undefined;
  /** Releases the instance (a native library stays mapped until the process ends). Idempotent. */
  close(): void;
}

/**
 * An instance whose runtime answers through promises (an Extism SDK). Its calls still run
 * to completion on the calling thread; only the answer is asynchronous, so it is held and
 * isolated exactly like a PluginInstance.
 */
export interface AsyncPluginInstance extends Omit<PluginInstance, 'init' | 'call'> {
  readonly async: true;
  init(config: string): Promise<CallOutcome>;
  call(op: string, input: Uint8Array): Promise<CallOutcome>;
}

export type AnyPluginInstance = PluginInstance | AsyncPluginInstance;

export const isAsyncInstance = (instance: AnyPluginInstance): instance is AsyncPluginInstance => 'async' in instance;
