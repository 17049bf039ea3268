import type { GuidedFuzzStats } from '../../report/results.ts';
import type { GuidedRun } from './guided-fuzz.ts';
import type { FuzzMode, GuidedPhaseResult } from './guided-phase.ts';

const perSecond = (execs: number, ms: number) => (ms > 0 ? Math.round(execs / (ms / 1000)) : 0);

function laneLine(run: GuidedRun): string {
  const found = run.finding
    ? `, found ${run.finding.failure.kind} after ${(run.finding.afterMs / 1000).toFixed(2)} s`
    : '';
  return (
    `${run.lane} ${run.execs} execs at ${perSecond(run.execs, run.durationMs)}/s, edges ` +
    `${run.edgesSeen}/${run.edgesTotal}${found}`
  );
}

/** The console line and the results.json fields that say how a plugin/op was fuzzed. */
export function guidedStats(
  mode: FuzzMode,
  guided: GuidedPhaseResult | undefined,
): { line: string; fields: Partial<GuidedFuzzStats> } {
  if (mode.mode === 'blind' || guided === undefined)
    return { line: `blind: ${mode.why}`, fields: { mode: 'blind', why: mode.why } };
  const byLane = <T>(value: (run: GuidedRun) => T) => Object.fromEntries(guided.runs.map((r) => [r.lane, value(r)]));
  const coverageByLane = byLane((r) => ({ edgesSeen: r.edgesSeen, edgesTotal: r.edgesTotal }));
  return {
    line: `guided: ${mode.why}; ${guided.runs.map(laneLine).join('; ')}; corpus ${guided.corpusSize}`,
    fields: {
      mode: 'guided',
      why: mode.why,
      coverage: Object.values(coverageByLane)[0]!,
      coverageByLane,
      guidedExecsPerSecByLane: byLane((r) => perSecond(r.execs, r.durationMs)),
      corpusSize: guided.corpusSize,
      edgesOverTime: byLane((r) => r.edgesOverTime),
    },
  };
}
