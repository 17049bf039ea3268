import type { CallContext, Plugin } from '@extism/extism';
import { checkExtismExports, checkExtismImports, extismConfig, extismManifest } from '../abi/extism.ts';
import { type CallOutcome, failed, PluginLoadError, POISONING_KINDS, UsageError } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { ExtismMeta } from '../contract/provenance.ts';
import type { AsyncPluginInstance, InstanceOptions, LogLevel } from './instance.ts';
import { compileWithinQuota } from './memory-limit.ts';
import { classifyWasmError } from './wasm-traps.ts';

/** What the JS SDK puts before a message the plugin set with `error_set`. */
const PLUGIN_ERROR_PREFIX = 'Plugin-originated error: ';

/**
 * The input as a view of its whole buffer: SDK 1.0.3 stores a Uint8Array's entire
 * `.buffer` as the input, so a view into a larger buffer (a Node Buffer, a message from a
 * parent process) would hand the plugin bytes that are not the input.
 */
const wholeBuffer = (input: Uint8Array) =>
  // `new Uint8Array(view)` copies; `slice()` on a Node Buffer would return another view.
  input.byteOffset === 0 && input.byteLength === input.buffer.byteLength ? input : new Uint8Array(input);

/** `get_log_level`'s answer when nobody listens: Extism's "off", so the plugin formats nothing. */
const LOG_LEVEL_OFF = 0x7fffffff;

const EMPTY = new Uint8Array();

/**
 * The SDK, imported on first use: it imports `node:wasi`, whose ExperimentalWarning would
 * otherwise reach every command's stderr, so that one warning is kept out while it loads.
 */
let sdk: Promise<typeof import('@extism/extism')> | undefined;
function loadSdk(): Promise<typeof import('@extism/extism')> {
  if (sdk) return sdk;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('WASI'))
      (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  sdk = import('@extism/extism').finally(() => (process.emitWarning = emitWarning));
  return sdk;
}

/**
 * An Extism plugin run by the official JavaScript SDK (`@extism/extism`) on this thread. The
 * SDK runs the module in the calling thread (`runInWorker: false`, its default): a call is
 * synchronous under its promise, so the worker or process that holds this instance is what a
 * deadline terminates, as for contract v1. The module is compiled here with its memory maximum
 * set to the quota, then handed to the SDK, which adds its kernel and WASI.
 */
export class ExtismJsInstance implements AsyncPluginInstance {
  readonly async = true;
  readonly boundary = 'wasm-core';
  #plugin: Plugin | undefined;
  #memory: WebAssembly.Memory | undefined;
  #poisoned: string | undefined;
  readonly #ops: ReadonlySet<string>;

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly meta: ExtismMeta,
    readonly manifest: Manifest,
    private readonly options: InstanceOptions,
  ) {
    this.#ops = new Set(meta.ops.map((op) => op.name));
  }

  /** Compiles the verified bytes and checks imports and exports; the plugin is instantiated by `init`. */
  static async open(
    bytes: Uint8Array,
    identity: { name: string; version: string },
    meta: ExtismMeta,
    options: InstanceOptions,
  ): Promise<ExtismJsInstance> {
    const module = await compileWithinQuota(
      bytes,
      options.policy.quotas.memoryBytes,
      'the Extism module',
      'rebuild it for wasm32',
    );
    const capabilities = checkExtismImports(WebAssembly.Module.imports(module), meta, options.policy);
    checkExtismExports(
      WebAssembly.Module.exports(module).map((e) => e.name),
      meta,
    );
    return new ExtismJsInstance(module, meta, extismManifest(identity, meta, capabilities), options);
  }

  /** Instantiates the plugin through the SDK with `config` (a JSON object) as its Extism config. */
  async init(config: string): Promise<CallOutcome> {
    const onLog = this.options.onLog;
    const log = (level: LogLevel) => (message: string) => onLog?.(level, message);
    const logger = {
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
    } as unknown as Console;
    try {
      const { createPlugin } = await loadSdk();
      this.#plugin = await createPlugin(
        { wasm: [{ module: this.module }] },
        {
          useWasi: this.meta.wasi,
          enableWasiOutput: false,
          runInWorker: false,
          config: extismConfig(config),
          logger,
          // extism-pdk 1.4 imports these; SDK 1.0.3 lacks them.
          functions: {
            'extism:host/env': {
              log_trace: (context: CallContext, addr: bigint) => onLog?.('trace', context.read(addr)?.text() ?? ''),
              get_log_level: () => (onLog === undefined ? LOG_LEVEL_OFF : 0),
            },
          },
        },
      );
    } catch (e) {
      if (e instanceof UsageError) return failed({ kind: 'plugin', code: 'invalid-input', message: e.message });
      if (e instanceof WebAssembly.LinkError)
        throw new PluginLoadError('incompatible', `the Extism SDK cannot link the module: ${e.message}`);
      return this.failure(e);
    }
    this.#memory = (await this.#plugin.getInstance()).exports.memory as WebAssembly.Memory;
    return { ok: true, output: EMPTY };
  }

  async call(op: string, input: Uint8Array): Promise<CallOutcome> {
    if (this.#poisoned !== undefined) throw new Error(`harness bug: instance called after it was ${this.#poisoned}`);
    if (!this.#ops.has(op))
      return failed({ kind: 'plugin', code: 'unsupported-op', message: `no op \`${op}\` in plugin.json` });
    try {
      const output = await this.#plugin!.call(op, wholeBuffer(input));
      return { ok: true, output: output === null ? EMPTY : output.bytes().slice() };
    } catch (e) {
      return this.failure(e);
    }
  }

  /** A plugin error keeps its message verbatim; traps are read as on contract v1; the rest is the SDK refusing. */
  private failure(error: unknown): CallOutcome {
    let outcome: CallOutcome;
    if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
      outcome = failed(
        classifyWasmError(error, undefined, {
          bytes: this.memoryBytes(),
          quotaBytes: this.options.policy.quotas.memoryBytes,
        }),
      );
    } else if (error instanceof Error && error.message.startsWith(PLUGIN_ERROR_PREFIX)) {
      outcome = failed({ kind: 'plugin', code: 'internal', message: error.message.slice(PLUGIN_ERROR_PREFIX.length) });
    } else if (error instanceof Error) {
      outcome = failed({ kind: 'protocol', message: `the Extism SDK refused what the plugin did: ${error.message}` });
    } else {
      throw error;
    }
    if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind))
      this.#poisoned = `poisoned by a ${outcome.failure.kind}`;
    return outcome;
  }

  /** Extism has no shutdown export: nothing runs. */
  shutdown(): CallOutcome {
    return { ok: true, output: EMPTY };
  }

  memoryBytes(): number {
    return this.#memory?.buffer.byteLength ?? 0;
  }

  close(): void {
    this.#poisoned ??= 'closed';
    void this.#plugin?.close();
  }
}
