import { isMeasured, type MeasuredLane, type ScenarioResult } from '../../harness/report/results.ts';

/** The lanes of a scenario's result, each measured: an errored one fails the test with its failure. */
export function measuredLanes(result: Pick<ScenarioResult, 'id' | 'lanes'>): MeasuredLane[] {
  return result.lanes.map((lane) => {
    if (isMeasured(lane)) return lane;
    throw new Error(
      `${result.id} ${lane.lane} errored: ${lane.failure.kind} at ${lane.failure.step}: ${lane.failure.message}`,
    );
  });
}
