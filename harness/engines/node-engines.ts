import type { InThreadEngine } from './engine.ts';
import type { Boundary } from './instance.ts';
import { jcoEngine } from './jco.ts';
import { koffiEngine } from './koffi.ts';
import { v8Engine } from './v8.ts';

/**
 * The engines of the Node host, by the boundary they serve: what the harness's thread, a
 * worker or a child opens when asked for a boundary (lanes/registry.ts registers the same).
 */
const NODE_ENGINES: readonly InThreadEngine[] = [v8Engine, jcoEngine, koffiEngine];

export const nodeEngineFor = (boundary: Boundary): InThreadEngine =>
  NODE_ENGINES.find((engine) => engine.boundary === boundary)!;
