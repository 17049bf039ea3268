import type { GuidedFuzzStats } from '../../report/results.ts';
import type { FuzzMode, GuidedPhaseResult } from './guided-phase.ts';

const perSecond = (execs: number, ms: number) => (ms > 0 ? Math.round(execs / (ms / 1000)) : 0);

/** The console line and the results.json fields that say how a plugin/op was fuzzed. */
export function guidedStats(mode: FuzzMode, guided: GuidedPhaseResult | undefined): { line: string; fields: Partial<GuidedFuzzStats> } {
  if (mode.mode === 'blind' || guided === undefined) return { line: `blind: ${mode.why}`, fields: { mode: 'blind', why: mode.why } };
  const coverageByLane = Object.fromEntries(guided.runs.map((r) => [r.lane, { edgesSeen: r.edgesSeen, edgesTotal: r.edgesTotal }]));
  const guidedExecsPerSecByLane = Object.fromEntries(guided.runs.map((r) => [r.lane, perSecond(r.execs, r.durationMs)]));
  const lanes = guided.runs.map((r) => `${r.lane} ${r.execs} execs at ${perSecond(r.execs, r.durationMs)}/s, edges ${r.edgesSeen}/${r.edgesTotal}${r.finding ? `, found ${r.finding.failure.kind} after ${(r.finding.afterMs / 1000).toFixed(2)} s` : ''}`);
  return {
    line: `guided: ${mode.why}; ${lanes.join('; ')}; corpus ${guided.corpusSize}`,
    fields: {
      mode: 'guided', why: mode.why, coverage: Object.values(coverageByLane)[0]!, coverageByLane, guidedExecsPerSecByLane,
      corpusSize: guided.corpusSize, edgesOverTime: Object.fromEntries(guided.runs.map((r) => [r.lane, r.edgesOverTime])),
    },
  };
}
