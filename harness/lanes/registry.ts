import { UsageError } from '../contract/errors.ts';
import { cgoEngine } from '../engines/cgo.ts';
import type { EngineDescriptor } from '../engines/engine.ts';
import type { Boundary } from '../engines/instance.ts';
import { jcoEngine } from '../engines/jco.ts';
import { koffiEngine } from '../engines/koffi.ts';
import { v8Engine } from '../engines/v8.ts';
import { wazeroEngine } from '../engines/wazero.ts';
import { goIsolation } from '../isolations/go.ts';
import { inprocIsolation } from '../isolations/inproc.ts';
import type { IsolationDescriptor, LanePromises } from '../isolations/isolation.ts';
import type { LaneId } from '../isolations/lane.ts';
import { processIsolation } from '../isolations/process.ts';
import { workerIsolation } from '../isolations/worker.ts';

/**
 * The engines and isolations there are, each registered once: a lane is a boundary × an
 * isolation whose host has an engine for that boundary. `check`, `load`, `run`, `list` and the
 * docs read what each lane can promise from here.
 */
const engines: EngineDescriptor[] = [];
const isolations: IsolationDescriptor[] = [];

function register<T extends { name: string }>(kinds: T[], what: string, kind: T): () => void {
  if (kinds.some((known) => known.name === kind.name)) throw new Error(`${what} \`${kind.name}\` is registered twice`);
  kinds.push(kind);
  return () => void kinds.splice(kinds.indexOf(kind), 1);
}

/** Registers an engine; a name registered twice, or a second engine of a boundary in one host, throws. */
export function registerEngine(engine: EngineDescriptor): () => void {
  const rival = engines.find((known) => known.host === engine.host && known.boundary === engine.boundary);
  if (rival !== undefined && rival.name !== engine.name)
    throw new Error(
      `engine \`${engine.name}\`: \`${rival.name}\` already runs ${engine.boundary} in the ${engine.host} host`,
    );
  return register(engines, 'engine', engine);
}

/** Registers an isolation; a name registered twice throws. Returns what unregisters it (for tests). */
export const registerIsolation = (isolation: IsolationDescriptor): (() => void) =>
  register(isolations, 'isolation', isolation);

for (const engine of [v8Engine, jcoEngine, koffiEngine, wazeroEngine, cgoEngine]) registerEngine(engine);
for (const isolation of [inprocIsolation, workerIsolation, processIsolation, goIsolation]) registerIsolation(isolation);

export const registeredEngines = (): readonly EngineDescriptor[] => engines;
export const registeredIsolations = (): readonly IsolationDescriptor[] => isolations;

/** The boundaries some engine runs, in the order engines were registered. */
const boundaries = (): Boundary[] => [...new Set(engines.map((engine) => engine.boundary))];

const engineOf = (boundary: string, isolation: IsolationDescriptor) =>
  engines.find((engine) => engine.boundary === boundary && engine.host === isolation.host);

/** Every lane there is: each boundary in each isolation whose host has an engine for it. */
export const allLanes = (): LaneId[] =>
  boundaries().flatMap((boundary) =>
    isolations
      .filter((isolation) => engineOf(boundary, isolation))
      .map((isolation) => ({ boundary, isolation: isolation.name })),
  );

/** A lane's engine, its isolation, and what the pair can promise. */
export interface LaneKind {
  engine: EngineDescriptor;
  isolation: IsolationDescriptor;
  promises: LanePromises;
}

/** Parses `boundary@isolation`; a bare boundary means `@inproc`. */
export function parseLane(text: string): LaneId {
  const [boundary, isolationName = 'inproc', extra] = text.trim().split('@');
  const isolation = isolations.find((known) => known.name === isolationName);
  if (extra === undefined && isolation !== undefined && boundaries().includes(boundary as Boundary)) {
    if (engineOf(boundary!, isolation) === undefined) {
      const why = isolation.withoutEngine?.(boundary!) ?? `no engine of the ${isolation.host} host runs ${boundary}`;
      throw new UsageError(`\`${text}\` is not a lane: ${why}`);
    }
    return { boundary: boundary as Boundary, isolation: isolation.name };
  }
  throw new UsageError(
    `\`${text}\` is not a lane: write BOUNDARY@ISOLATION with BOUNDARY one of ${boundaries().join(', ')} ` +
      `and ISOLATION one of ${isolations.map((i) => i.name).join(', ')} (e.g. \`wasm-core@worker\`)`,
  );
}

/** Parses lanes given as a comma list, repeated, or both. */
export function parseLanes(values: readonly string[]): LaneId[] {
  return values
    .flatMap((v) => v.split(','))
    .filter((v) => v.trim() !== '')
    .map(parseLane);
}

/** The engine and isolation of a lane, and what they promise together. */
export function laneKind(id: LaneId): LaneKind {
  const isolation = isolations.find((known) => known.name === id.isolation);
  const engine = isolation && engineOf(id.boundary, isolation);
  if (engine === undefined) parseLane(`${id.boundary}@${id.isolation}`);
  return { engine: engine!, isolation: isolation!, promises: isolation!.promises(engine!) };
}

/** Every lane this machine can open: an isolation whose host is missing (Go) is left out, saying why. */
export function availableLanes(note: (line: string) => void): LaneId[] {
  const missing = new Set<string>();
  for (const isolation of isolations) {
    const why = isolation.unavailable?.();
    if (why === undefined) continue;
    missing.add(isolation.name);
    note(`the @${isolation.name} lanes are left out: ${why}`);
  }
  return allLanes().filter((lane) => !missing.has(lane.isolation));
}
