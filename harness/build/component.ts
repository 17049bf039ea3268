import { readFileSync } from 'node:fs';

const witSource = readFileSync(new URL('../contract/plugbench.wit', import.meta.url), 'utf8');

/** A component made from a core module, and jco's transpiled JavaScript for it. */
export interface BuiltComponent {
  component: Uint8Array;
  /** Transpiled files by name (`<name>.js`, `<name>.core*.wasm`); type declarations left out. */
  transpiled: Map<string, Uint8Array>;
}

/** Wraps a contract-1.0 core module into a component and transpiles it with jco. */
export async function buildComponent(coreModule: Uint8Array, name: string): Promise<BuiltComponent> {
  // Loaded on first use: jco holds ~11 MB of heap, which every other command would carry.
  const { componentEmbed, componentNew, transpile } = await import('@bytecodealliance/jco');
  const embedded = await componentEmbed({ binary: coreModule, witSource, world: 'plugin' });
  const component = await componentNew(embedded);
  const { files } = await transpile(component, { name, instantiation: 'sync', noTypescript: true });
  const transpiled = new Map(Object.entries(files).filter(([file]) => !file.endsWith('.d.ts')));
  return { component, transpiled };
}
