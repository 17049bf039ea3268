import { basename } from 'node:path';
import { type CallOutcome, ERROR_CODES, PluginLoadError } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import { checkWasmImports, type DeclaredIdentity, negotiate } from '../contract/negotiation.ts';
import type { Capability } from '../contract/policy.ts';
import { decodeResultReturn, decodeStringReturn, ProtocolViolation } from './canonical.ts';
import { HostFunctions } from './host-functions.ts';
import type { InstanceOptions, PluginInstance } from './instance.ts';
import { limitMemory } from './memory-limit.ts';
import { classifyWasmError, WasmCallGuard } from './wasm-traps.ts';

/** The exports of a jco-transpiled component of the contract's world. */
interface ComponentExports {
  describe(): string;
  init(config: string): void;
  call(op: string, input: Uint8Array): Uint8Array;
  shutdown(): void;
}

type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, Record<string, Function>>,
  instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => WebAssembly.Instance,
) => ComponentExports;

/** The verified files of a transpiled component: its JavaScript and its core modules. */
export interface TranspiledComponent {
  js: Uint8Array;
  /** Core modules by the file name the JavaScript asks for. */
  coreModules: Map<string, Uint8Array>;
}

/** Where in the core exports a return pointer is checked before jco lifts it. */
const CHECKED_EXPORTS = { describe: 'string', init: 'result-unit', call: 'result-list' } as const;

/**
 * A component run through jco's transpiled JavaScript. jco's lifting does not check what the
 * plugin returns (it clamps out-of-bounds lists and decodes invalid UTF-8 lossily), so the
 * plugin's core instance is wrapped to check every return area first, as the core lane does.
 */
export class WasmComponentInstance implements PluginInstance {
  readonly boundary = 'wasm-component';
  readonly #guard: WasmCallGuard;

  private constructor(
    private readonly exports: ComponentExports,
    host: HostFunctions,
    private readonly memory: () => WebAssembly.Memory,
    readonly manifest: Manifest,
    quotaBytes: number,
  ) {
    this.#guard = new WasmCallGuard(host, () => ({ bytes: this.memoryBytes(), quotaBytes }));
  }

  static async open(
    files: TranspiledComponent,
    declared: DeclaredIdentity,
    options: InstanceOptions,
  ): Promise<WasmComponentInstance> {
    const modules = new Map<string, WebAssembly.Module>();
    let pluginModule: WebAssembly.Module | undefined;
    let importedCapabilities = new Set<Capability>();
    for (const [name, bytes] of files.coreModules) {
      const module = await WebAssembly.compile(limitMemory(bytes, options.policy.quotas.memoryBytes) as BufferSource);
      modules.set(name, module);
      const exported = WebAssembly.Module.exports(module).map((e) => e.name);
      if (exported.includes('call') && exported.includes('memory')) {
        pluginModule = module;
        importedCapabilities = checkWasmImports(WebAssembly.Module.imports(module), options.policy);
      }
    }
    if (pluginModule === undefined)
      throw new PluginLoadError(
        'protocol',
        'no core module of the transpiled component exports `call` and `memory`; rebuild it with `plugbench build`',
      );

    const { instantiate } = (await import(
      `data:text/javascript;base64,${Buffer.from(files.js).toString('base64')}`
    )) as { instantiate: Instantiate };
    const host = new HostFunctions(options.onLog);
    let memory: WebAssembly.Memory | undefined;
    const checkedInstantiate = (module: WebAssembly.Module, imports: WebAssembly.Imports) => {
      const instance = new WebAssembly.Instance(module, imports);
      if (module !== pluginModule) return instance;
      memory = instance.exports.memory as WebAssembly.Memory;
      return {
        exports: checkReturns(instance.exports, () => memory!.buffer, options.maxOutputBytes),
      } as WebAssembly.Instance;
    };
    let exports: ComponentExports;
    try {
      exports = instantiate((name) => modules.get(basename(name))!, host.componentImports(), checkedInstantiate);
    } catch (e) {
      throw new PluginLoadError(
        'protocol',
        `the transpiled component failed to instantiate (${(e as Error).message}); rebuild it with \`plugbench build\``,
      );
    }
    let describeJson: string;
    try {
      describeJson = exports.describe();
    } catch (e) {
      const failure = classifyWasmError(e, host.takePanic());
      throw new PluginLoadError('protocol', `\`describe\` failed (${failure.kind}): ${failure.message}`);
    }
    const manifest = negotiate(describeJson, declared, options.policy, importedCapabilities);
    return new WasmComponentInstance(exports, host, () => memory!, manifest, options.policy.quotas.memoryBytes);
  }

  init(config: string): CallOutcome {
    return this.#guard.run(() => liftResult(() => (this.exports.init(config), new Uint8Array())));
  }

  call(op: string, input: Uint8Array): CallOutcome {
    return this.#guard.run(() => liftResult(() => this.exports.call(op, input)));
  }

  shutdown(): CallOutcome {
    const done: CallOutcome = { ok: true, output: new Uint8Array() };
    return this.#guard.usable ? this.#guard.run(() => (this.exports.shutdown(), done)) : done;
  }

  memoryBytes(): number {
    return this.memory().buffer.byteLength;
  }

  close(): void {
    this.#guard.close();
  }
}

/** jco throws a `result`'s error as a ComponentError whose `payload` is the plugin-error record. */
function liftResult(body: () => Uint8Array): CallOutcome {
  try {
    return { ok: true, output: body() };
  } catch (e) {
    const payload = (e as { payload?: { code?: unknown; message?: unknown } }).payload;
    if (payload === undefined || e instanceof WebAssembly.RuntimeError) throw e;
    const code = ERROR_CODES.find((c) => c === payload.code);
    if (code === undefined || typeof payload.message !== 'string')
      throw new ProtocolViolation(`jco lifted an error that is not a plugin-error: ${JSON.stringify(payload)}`);
    return { ok: false, failure: { kind: 'plugin', code, message: payload.message } };
  }
}

/** Wraps the plugin's core exports so each return area is checked before jco reads it. */
function checkReturns(exports: WebAssembly.Exports, memory: () => ArrayBuffer, maxBytes: number): WebAssembly.Exports {
  const checked: WebAssembly.Exports = { ...exports };
  for (const [name, shape] of Object.entries(CHECKED_EXPORTS)) {
    const original = exports[name] as (...args: number[]) => number;
    checked[name] = (...args: number[]) => {
      const retptr = original(...args);
      if (shape === 'string') decodeStringReturn(memory(), retptr, maxBytes, `the string returned by \`${name}\``);
      else decodeResultReturn(memory(), retptr, shape === 'result-list', maxBytes);
      return retptr;
    };
  }
  return checked;
}
