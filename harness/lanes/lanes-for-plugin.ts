import { abiOfDir, abiProblem, type PluginAbi } from '../abi/abi.ts';
import { UsageError } from '../contract/errors.ts';
import { type LaneId, laneName } from '../isolations/lane.ts';
import { laneKind } from './registry.ts';

/** Whether the engine of a lane speaks the plugin's ABI; the ABI's reason when it does not. */
export const abiProblemOn = (abi: PluginAbi, id: LaneId): string | undefined =>
  abiProblem(abi, laneKind(id).engine.abis);

/**
 * The lanes among `lanes` that run the plugin in `dir`; the others are left out with a note
 * saying why. None left is a usage error.
 */
export function lanesForPlugin(
  dir: string,
  lanes: readonly LaneId[],
  note: (line: string) => void = () => {},
): LaneId[] {
  const abi = abiOfDir(dir);
  const usable = lanes.filter((id) => abiProblemOn(abi, id) === undefined);
  const left = lanes.filter((id) => !usable.includes(id));
  const why = left.length > 0 ? abiProblemOn(abi, left[0]!) : undefined;
  if (usable.length === 0)
    throw new UsageError(`no lane given runs \`${dir}\`: ${why} (e.g. \`--lane wasm-core@worker,wasm-core@go\`)`);
  if (left.length > 0) note(`left out ${left.map(laneName).join(', ')}: ${why}`);
  return usable;
}
