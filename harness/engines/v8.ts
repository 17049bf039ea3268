import { extismMetaOf } from '../abi/abi.ts';
import { coreModuleOf, declaredOf } from '../abi/contract-v1.ts';
import type { InThreadEngine } from './engine.ts';
import { ExtismJsInstance } from './extism-js.ts';
import { WasmCoreInstance } from './wasm-core.ts';

/** V8's WebAssembly JS API: core modules of contract 1.0, and Extism plugins through the Extism JS SDK. */
export const v8Engine: InThreadEngine = {
  name: 'v8',
  boundary: 'wasm-core',
  host: 'node',
  summary: "core modules through V8's WebAssembly JS API (Extism plugins through the Extism JS SDK)",
  abis: ['contract-v1', 'extism'],
  faults: 'trap',
  openInstance: (dir, meta, abi, options) =>
    abi === 'extism'
      ? ExtismJsInstance.open(coreModuleOf(dir, meta), meta, extismMetaOf(meta), options)
      : WasmCoreInstance.open(coreModuleOf(dir, meta), declaredOf(meta), options),
};
