import type { EngineDescriptor } from './engine.ts';

/** cgo, in the Go host (harness/hosts/go/native.go): the plugin's C-ABI shared library, dlopened by the host. */
export const cgoEngine: EngineDescriptor = {
  name: 'cgo',
  boundary: 'native',
  host: 'go',
  summary: 'C-ABI shared libraries through cgo in the Go host',
  abis: ['contract-v1'],
  faults: 'signal',
};
