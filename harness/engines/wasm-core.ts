import { type CallOutcome, PluginLoadError } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import { checkWasmImports, type DeclaredIdentity, negotiate } from '../contract/negotiation.ts';
import { decodeResultReturn, decodeStringReturn, ProtocolViolation } from './canonical.ts';
import { HostFunctions } from './host-functions.ts';
import type { InstanceOptions, PluginInstance } from './instance.ts';
import { LinearMemory } from './linear-memory.ts';
import { compileWithinQuota } from './memory-limit.ts';
import { OpNames } from './op-names.ts';
import { classifyWasmError, WasmCallGuard } from './wasm-traps.ts';

/** The exports a core module must have, by the canonical ABI of the contract's world. */
const REQUIRED_EXPORTS = [
  'memory',
  'cabi_realloc',
  'describe',
  'cabi_post_describe',
  'init',
  'call',
  'cabi_post_call',
  'shutdown',
] as const;

/** Refuses a core module that lacks an export the contract requires, before it is instantiated. */
export function checkCoreExports(names: readonly string[]): void {
  const exported = new Set(names);
  const missing = REQUIRED_EXPORTS.filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw new PluginLoadError(
      'protocol',
      `the core module lacks the export(s) ${missing.map((m) => `\`${m}\``).join(', ')} that contract 1.0 ` +
        `requires; see "The plugin contract" in the README`,
    );
  }
}

interface CoreExports {
  memory: WebAssembly.Memory;
  cabi_realloc(oldPtr: number, oldSize: number, align: number, newSize: number): number;
  describe(): number;
  cabi_post_describe(retptr: number): void;
  init(ptr: number, len: number): number;
  cabi_post_init?(retptr: number): void;
  call(opPtr: number, opLen: number, inPtr: number, inLen: number): number;
  cabi_post_call(retptr: number): void;
  shutdown(): void;
}

const utf8 = new TextEncoder();

/** A coverage build exports its constructors, which register the counters: run them once, first. */
function runConstructors(exports: CoreExports, sanitizer: NonNullable<InstanceOptions['sanitizer']>): void {
  const ctors = (exports as unknown as { __wasm_call_ctors?: () => void }).__wasm_call_ctors;
  if (ctors === undefined)
    throw new PluginLoadError(
      'protocol',
      'the coverage build exports no `__wasm_call_ctors`, so its counters cannot be registered; rebuild it with ' +
        '`plugbench build --coverage`',
    );
  sanitizer.attach(exports.memory);
  ctors();
}

/** A core module called directly through the WebAssembly JS API. */
export class WasmCoreInstance implements PluginInstance {
  readonly boundary = 'wasm-core';
  readonly #guard: WasmCallGuard;
  readonly #ops = new OpNames();
  readonly #memory: LinearMemory;

  private constructor(
    private readonly exports: CoreExports,
    host: HostFunctions,
    private readonly maxOutputBytes: number,
    readonly manifest: Manifest,
    quotaBytes: number,
  ) {
    this.#guard = new WasmCallGuard(host, () => ({ bytes: this.memoryBytes(), quotaBytes }));
    this.#memory = new LinearMemory(exports.memory);
  }

  /**
   * Compiles the verified bytes, checks imports and exports before instantiating, then
   * negotiates with the manifest from `describe` (the only plugin code run before that).
   */
  static async open(
    bytes: Uint8Array,
    declared: DeclaredIdentity,
    options: InstanceOptions,
  ): Promise<WasmCoreInstance> {
    const module = await compileWithinQuota(
      bytes,
      options.policy.quotas.memoryBytes,
      'the core module',
      'rebuild it for wasm32-unknown-unknown',
    );
    const importedCapabilities = checkWasmImports(
      WebAssembly.Module.imports(module),
      options.policy,
      options.sanitizer !== undefined,
    );
    checkCoreExports(WebAssembly.Module.exports(module).map((e) => e.name));
    const host = new HostFunctions(options.onLog);
    let memory: WebAssembly.Memory | undefined;
    const imports = host.coreImports(() => memory!.buffer);
    if (options.sanitizer) imports.env = options.sanitizer.imports as WebAssembly.ModuleImports;
    const instance = await WebAssembly.instantiate(module, imports);
    const exports = instance.exports as unknown as CoreExports;
    memory = exports.memory;
    if (options.sanitizer) runConstructors(exports, options.sanitizer);
    const describeJson = WasmCoreInstance.describe(exports, host, options.maxOutputBytes);
    const manifest = negotiate(describeJson, declared, options.policy, importedCapabilities);
    return new WasmCoreInstance(exports, host, options.maxOutputBytes, manifest, options.policy.quotas.memoryBytes);
  }

  private static describe(exports: CoreExports, host: HostFunctions, maxBytes: number): string {
    try {
      const retptr = exports.describe();
      const json = decodeStringReturn(exports.memory.buffer, retptr, maxBytes, 'the manifest from `describe`');
      exports.cabi_post_describe(retptr);
      return json;
    } catch (e) {
      const failure = classifyWasmError(e, host.takePanic());
      throw new PluginLoadError('protocol', `\`describe\` failed (${failure.kind}): ${failure.message}`);
    }
  }

  init(config: string): CallOutcome {
    return this.#guard.run(() => {
      const bytes = utf8.encode(config);
      const retptr = this.exports.init(this.lower(bytes), bytes.length);
      const outcome = decodeResultReturn(this.#memory, retptr, false, this.maxOutputBytes);
      this.exports.cabi_post_init?.(retptr);
      return outcome;
    });
  }

  // The per-call path: no closure, no views made again unless memory grew (see LinearMemory).
  call(op: string, input: Uint8Array): CallOutcome {
    this.#guard.enter();
    try {
      return this.#guard.settle(this.callUnguarded(op, input));
    } catch (e) {
      return this.#guard.caught(e);
    }
  }

  private callUnguarded(op: string, input: Uint8Array): CallOutcome {
    const opBytes = this.#ops.bytes(op);
    const opPtr = this.lower(opBytes);
    const inPtr = this.lower(input);
    const retptr = this.exports.call(opPtr, opBytes.length, inPtr, input.length);
    const outcome = decodeResultReturn(this.#memory, retptr, true, this.maxOutputBytes);
    const copied: CallOutcome = outcome.ok ? { ok: true, output: outcome.output.slice() } : outcome;
    this.exports.cabi_post_call(retptr);
    return copied;
  }

  shutdown(): CallOutcome {
    const done: CallOutcome = { ok: true, output: new Uint8Array() };
    return this.#guard.usable ? this.#guard.run(() => (this.exports.shutdown(), done)) : done;
  }

  memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  close(): void {
    this.#guard.close();
  }

  /** Copies bytes into memory the plugin allocated and returns where; the callee owns them (canonical ABI). */
  private lower(bytes: Uint8Array): number {
    const ptr = this.exports.cabi_realloc(0, 0, 1, bytes.length) >>> 0;
    const memory = this.#memory.bytes;
    if (ptr + bytes.length > memory.length) {
      throw new ProtocolViolation(`\`cabi_realloc\` returned ${ptr}, outside linear memory of ${memory.length} bytes`);
    }
    memory.set(bytes, ptr);
    return ptr;
  }
}
