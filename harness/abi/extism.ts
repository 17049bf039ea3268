import { PluginLoadError, UsageError } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { Capability, HostPolicy } from '../contract/policy.ts';
import type { ExtismMeta } from '../contract/provenance.ts';
import type { AbiDescriptor } from './abi-descriptor.ts';

/**
 * The Extism plugin ABI (extism.org): a core module imports its kernel from `extism:host/env`,
 * and every exported function without parameters is an op that reads its input and sets its
 * output or error through the kernel. It has no `describe`: the manifest comes from the signed
 * plugin.json (`plugbench sign` records the ops). The SDKs run it: `@extism/extism` on the Node
 * lanes, `github.com/extism/go-sdk` in the Go host.
 */

/** plugin.json's `abi` for an Extism plugin. */
export const EXTISM_ABI = 'extism';

/** The kernel's import module, which marks a module as an Extism plugin. */
export const EXTISM_IMPORT_MODULE = 'extism:host/env';
export const WASI_IMPORT_MODULE = 'wasi_snapshot_preview1';

/** Kernel imports that need a capability; `http_*` is never granted. */
const KERNEL_CAPABILITY: Readonly<Record<string, Capability | 'never'>> = {
  log_trace: 'log',
  log_debug: 'log',
  log_info: 'log',
  log_warn: 'log',
  log_error: 'log',
  get_log_level: 'log',
  http_request: 'never',
  http_status_code: 'never',
  http_headers: 'never',
};
/** The rest of the kernel: memory, input and output, errors, config and vars. */
const KERNEL_ALWAYS = new Set([
  'alloc',
  'free',
  'length',
  'length_unsafe',
  'load_u8',
  'load_u64',
  'store_u8',
  'store_u64',
  'input_offset',
  'input_length',
  'input_load_u8',
  'input_load_u64',
  'output_set',
  'error_set',
  'config_get',
  'var_get',
  'var_set',
]);
/** WASI calls that read the clock need `clock`; the others see no files, no sockets, stdio discarded. */
const WASI_CAPABILITY: Readonly<Record<string, Capability>> = { clock_time_get: 'clock', clock_res_get: 'clock' };

export const isExtismModule = (imports: readonly WebAssembly.ModuleImportDescriptor[]) =>
  imports.some((i) => i.module === EXTISM_IMPORT_MODULE);

/** Exports that belong to a runtime (WASI, asyncify, allocators, language start-up), never ops. */
const RUNTIME_EXPORT = new RegExp(
  '^(_initialize|__wasm_call_ctors|__main_void|hs_init|asyncify_.*|cabi_.*|' +
    'malloc|free|calloc|realloc|aligned_alloc|__.*)$',
);

/** The ops of a module when none are named: every exported function that is not a runtime's. */
export function defaultOps(exports: readonly WebAssembly.ModuleExportDescriptor[]): string[] {
  return exports.filter((e) => e.kind === 'function' && !RUNTIME_EXPORT.test(e.name)).map((e) => e.name);
}

const list = (items: Iterable<string>) => [...items].map((c) => `\`${c}\``).join(', ') || 'nothing';

/**
 * Checks an Extism module's imports against the ABI and the grant, before instantiation:
 * the kernel, WASI preview 1 when plugin.json says so, nothing else. Returns the capabilities
 * the imports need.
 */
export function checkExtismImports(
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  meta: ExtismMeta,
  policy: HostPolicy,
): Set<Capability> {
  const problems: string[] = [];
  const needed = new Set<Capability>();
  const need = (capability: Capability, name: string) => {
    needed.add(capability);
    if (!policy.grants.has(capability)) {
      problems.push(
        `import \`${name}\` needs capability \`${capability}\`, which the host does not grant (granted: ` +
          `${list(policy.grants)}); grant it or stop using it`,
      );
    }
  };
  for (const { module, name, kind } of imports) {
    if (module === EXTISM_IMPORT_MODULE && kind === 'function') {
      const capability = KERNEL_CAPABILITY[name];
      if (capability === 'never')
        problems.push(
          `import \`${module}::${name}\`: plugbench never grants HTTP to a plugin; build it without \`http_request\``,
        );
      else if (capability !== undefined) need(capability, name);
      else if (!KERNEL_ALWAYS.has(name))
        problems.push(
          `import \`${module}::${name}\` is not part of the Extism kernel this host provides; rebuild with ` +
            `extism-pdk 1.x`,
        );
    } else if (module === WASI_IMPORT_MODULE && kind === 'function' && meta.wasi) {
      const capability = WASI_CAPABILITY[name];
      if (capability !== undefined) need(capability, name);
    } else {
      problems.push(
        `import \`${module}::${name}\` (${kind}) is outside the Extism ABI: only \`${EXTISM_IMPORT_MODULE}\` ` +
          `and, for wasm32-wasip1 plugins, \`${WASI_IMPORT_MODULE}\` exist here; remove the dependency that imports it`,
      );
    }
  }
  if (problems.length > 0) throw new PluginLoadError('incompatible', problems.join('\n'));
  return needed;
}

/** Refuses a module that does not export every op plugin.json lists, or has no memory. */
export function checkExtismExports(exports: readonly string[], meta: ExtismMeta): void {
  const exported = new Set(exports);
  const missing = meta.ops.map((op) => op.name).filter((name) => !exported.has(name));
  if (!exported.has('memory')) missing.push('memory');
  if (missing.length > 0) {
    throw new PluginLoadError(
      'protocol',
      `the Extism module lacks the export(s) ${list(missing)} that plugin.json lists; sign it again with ` +
        `\`plugbench sign\``,
    );
  }
}

/** The manifest of an Extism plugin: its identity and ops from plugin.json, capabilities from its imports. */
export function extismManifest(
  identity: { name: string; version: string },
  meta: ExtismMeta,
  capabilities: ReadonlySet<Capability>,
): Manifest {
  return {
    name: identity.name,
    version: identity.version,
    abi: EXTISM_ABI,
    ops: meta.ops,
    capabilities: [...capabilities].sort(),
  };
}

/**
 * Extism config is a map of strings: the harness's JSON config object, with every value that
 * is not a string given as its JSON text.
 */
export function extismConfig(configJson: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(configJson);
  } catch (e) {
    throw new UsageError(`the config \`${configJson}\` is not JSON (${(e as Error).message}); give a JSON object`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(
      `the config \`${configJson}\` is not a JSON object; Extism config is a map of names to strings`,
    );
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** The message of a non-zero return without an error (the Go SDK hands the code over; the JS SDK drops it). */
export const returnCodeMessage = (op: string, code: number) => `\`${op}\` returned ${code} without setting an error`;

/** Lanes that cannot run an Extism plugin say so with this. */
export const NOT_FOR_EXTISM =
  'not for Extism plugins: an Extism plugin is a core module run by an Extism SDK; use wasm-core';

/** Extism plugins: plugin.json says `abi` `extism`; only an Extism SDK runs them. */
export const extismAbi: AbiDescriptor = {
  name: 'extism',
  claims: (pluginJsonAbi) => pluginJsonAbi === EXTISM_ABI,
  unspoken: NOT_FOR_EXTISM,
};
