import { abiOfDir, boundaryProblem } from '../abi/abi.ts';
import { UsageError } from '../contract/errors.ts';
import { type LaneId, laneName } from '../isolations/lane.ts';

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
  const usable = lanes.filter((id) => boundaryProblem(abi, id.boundary) === undefined);
  const left = lanes.filter((id) => !usable.includes(id));
  const why = left.length > 0 ? boundaryProblem(abi, left[0]!.boundary) : undefined;
  if (usable.length === 0)
    throw new UsageError(`no lane given runs \`${dir}\`: ${why} (e.g. \`--lane wasm-core@worker,wasm-core@go\`)`);
  if (left.length > 0) note(`left out ${left.map(laneName).join(', ')}: ${why}`);
  return usable;
}
