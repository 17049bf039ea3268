import { declaredOf, transpiledComponentOf } from '../abi/contract-v1.ts';
import type { InThreadEngine } from './engine.ts';
import { WasmComponentInstance } from './wasm-component.ts';

/** jco: the plugin's WebAssembly component, transpiled to JavaScript and core modules that V8 runs. */
export const jcoEngine: InThreadEngine = {
  name: 'jco',
  boundary: 'wasm-component',
  host: 'node',
  summary: 'WebAssembly components transpiled by jco, run by V8',
  abis: ['contract-v1'],
  faults: 'trap',
  openInstance: (dir, meta, _abi, options) =>
    WasmComponentInstance.open(transpiledComponentOf(dir, meta), declaredOf(meta), options),
};
