import type { Boundary } from '../engines/instance.ts';
import { canOpenSequences, type LaneOptions } from '../isolations/isolation.ts';
import type { Lane, LaneId, SequencingLane } from '../isolations/lane.ts';
import { laneKind, registeredIsolations } from './registry.ts';

/** Loads a built plugin on a lane: negotiated, initialised, ready to call. */
export async function openLane(dir: string, id: LaneId, options: LaneOptions): Promise<Lane> {
  const { engine, isolation } = laneKind(id);
  return isolation.open(dir, id, engine, options);
}

/**
 * Where a boundary's sequences run: the first isolation that stops a step at its deadline and
 * keeps a native fault out of the harness (wasm in a worker, native in a child).
 */
export function sequenceLaneOf(boundary: Boundary): LaneId {
  const lane = registeredIsolations()
    .filter(canOpenSequences)
    .map((isolation) => ({ boundary, isolation: isolation.name }))
    .find((id) => {
      const { promises } = laneKind(id);
      return promises.deadline.enforced && (promises.crashContainment?.enforced ?? true);
    });
  return lane!;
}

/** Loads a plugin for init/call/shutdown sequences: negotiated, not initialised (the sequence does it). */
export async function openSequenceLane(dir: string, boundary: Boundary, options: LaneOptions): Promise<SequencingLane> {
  const id = sequenceLaneOf(boundary);
  const { engine, isolation } = laneKind(id);
  if (!canOpenSequences(isolation)) throw new Error(`isolation \`${isolation.name}\` opens no sequences`);
  return isolation.openForSequences(dir, id, engine, options);
}
