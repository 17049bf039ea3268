import type { EngineDescriptor } from './engine.ts';

/**
 * wazero, in the Go host (harness/hosts/go/wasm.go): core
 * modules of contract 1.0; Extism plugins through its Go SDK.
 */
export const wazeroEngine: EngineDescriptor = {
  name: 'wazero',
  boundary: 'wasm-core',
  host: 'go',
  summary: 'core modules through wazero in the Go host (Extism plugins through the Extism Go SDK)',
  abis: ['contract-v1', 'extism'],
  faults: 'trap',
};
