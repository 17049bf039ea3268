import type { PluginMeta } from '../contract/provenance.ts';
import type { AnyPluginInstance, Boundary, InstanceOptions } from './instance.ts';

/**
 * What runs a plugin's code, as a registered kind (lanes/registry.ts): the boundary a lane
 * names it by in one host, the ABIs it speaks, and what a fault of the plugin's code does.
 * A lane is a boundary × isolation; the isolation's host picks the engine (`wasm-core` is V8
 * in Node and wazero in the Go host).
 */
export interface EngineDescriptor {
  /** `v8`, `jco`, `koffi`, `wazero`, `cgo`. */
  readonly name: string;
  /** The boundary a lane names it by. */
  readonly boundary: Boundary;
  /** The host program it runs in: `node` (the harness's own runtime) or `go` (the Go host). */
  readonly host: string;
  /** One line for `plugbench list` and the docs. */
  readonly summary: string;
  /** The plugin ABIs it runs (abi/abi.ts); a plugin of another is refused with that ABI's reason. */
  readonly abis: readonly string[];
  /**
   * What a fault of the plugin's code does: a `trap` the engine turns into a failure (wasm), or
   * a `signal` to the process that runs it (native), which only a process of its own contains.
   */
  readonly faults: 'trap' | 'signal';
}

/** An optional ability: an engine of the Node host opens a verified plugin in the calling thread. */
export interface InThreadEngine extends EngineDescriptor {
  openInstance(dir: string, meta: PluginMeta, abi: string, options: InstanceOptions): Promise<AnyPluginInstance>;
}
