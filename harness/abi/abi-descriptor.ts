/**
 * A plugin ABI as a registered kind (abi/abi.ts): which plugins speak it, and why an engine
 * that does not speak it cannot run them. Engines list the ABIs they speak
 * (engines/engine.ts); what a module must export and import, where the manifest comes from
 * and how a call goes in and comes out live with the adapter (contract-v1.ts, extism.ts).
 */
export interface AbiDescriptor {
  /** `contract-v1`, `extism`. */
  readonly name: string;
  /** Whether plugin.json's `abi` field names this ABI. */
  claims(pluginJsonAbi: string): boolean;
  /** Why an engine that does not speak this ABI cannot run its plugins. */
  readonly unspoken: string;
}
