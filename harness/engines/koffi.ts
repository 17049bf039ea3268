import { declaredOf, nativeLibraryOf } from '../abi/contract-v1.ts';
import type { InThreadEngine } from './engine.ts';
import { NativeInstance } from './native.ts';

/** koffi: the plugin's C-ABI shared library, opened and called in the Node process that holds it. */
export const koffiEngine: InThreadEngine = {
  name: 'koffi',
  boundary: 'native',
  host: 'node',
  summary: 'C-ABI shared libraries through koffi FFI',
  abis: ['contract-v1'],
  faults: 'signal',
  openInstance: async (dir, meta, _abi, options) =>
    NativeInstance.open(nativeLibraryOf(dir, meta), declaredOf(meta), options),
};
