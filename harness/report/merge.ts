import { LatencyHistogram } from '../measure/latency.ts';
import {
  isMeasured,
  type LaneResult,
  type LatencyRecord,
  type MeasuredLane,
  type Results,
  resultsEnvelope,
  type ScenarioResult,
  type UngatedResults,
} from './results.ts';

/** Adds encoded histograms count by count and recomputes the percentiles: never averages them. */
function mergeLatency(records: Array<LatencyRecord | undefined>): LatencyRecord | undefined {
  const present = records.filter((r): r is LatencyRecord => r !== undefined);
  if (present.length === 0) return undefined;
  const total = LatencyHistogram.decode(present[0]!.hdr);
  for (const r of present.slice(1)) {
    const other = LatencyHistogram.decode(r.hdr);
    total.add(other);
    other.destroy();
  }
  const merged = { ...total.summary(), hdr: total.encode() };
  total.destroy();
  return merged;
}

/** Every run's samples; the steepest slope any run measured, or null with a reason when none did. */
function mergedMemory(lanes: MeasuredLane[]): MeasuredLane['memory'] {
  const samples = lanes.flatMap((l) => l.memory.samples);
  const slopes = lanes.map((l) => l.memory.slopeBytesPerCall).filter((s): s is number => s !== null);
  if (slopes.length > 0) return { samples, slopeBytesPerCall: Math.max(...slopes) };
  return { samples, slopeBytesPerCall: null, slopeReason: lanes[0]!.memory.slopeReason ?? 'not enough samples' };
}

function mergeMeasured(lanes: MeasuredLane[]): MeasuredLane {
  const [first] = lanes as [MeasuredLane];
  const errors: MeasuredLane['errors'] = {};
  for (const lane of lanes)
    for (const [kind, n] of Object.entries(lane.errors))
      errors[kind as keyof typeof errors] = (errors[kind as keyof typeof errors] ?? 0) + (n ?? 0);
  const latencyUncorrected = mergeLatency(lanes.map((l) => l.latencyUncorrected));
  const latencyInner = mergeLatency(lanes.map((l) => l.latencyInner));
  return {
    ...first,
    load: {
      ...first.load,
      durationMs: lanes.reduce((s, l) => s + l.load.durationMs, 0),
      calls: lanes.reduce((s, l) => s + l.load.calls, 0),
      late: lanes.reduce((s, l) => s + l.load.late, 0),
      dropped: lanes.reduce((s, l) => s + l.load.dropped, 0),
    },
    latency: mergeLatency(lanes.map((l) => l.latency))!,
    ...(latencyUncorrected ? { latencyUncorrected } : {}),
    ...(latencyInner ? { latencyInner } : {}),
    errors,
    failureSamples: lanes.flatMap((l) => l.failureSamples).slice(0, 12),
    memory: mergedMemory(lanes),
    timeline: lanes.flatMap((l) => l.timeline ?? []),
    eventLoopDelay: {
      p99Ns: Math.max(...lanes.map((l) => l.eventLoopDelay.p99Ns)),
      maxNs: Math.max(...lanes.map((l) => l.eventLoopDelay.maxNs)),
    },
  };
}

/** The runs of one lane: the measured ones merged into one, each errored one kept (it fails the gate). */
function mergeLaneRuns(runs: LaneResult[]): LaneResult[] {
  const measured = runs.filter(isMeasured);
  return [...(measured.length > 0 ? [mergeMeasured(measured)] : []), ...runs.filter((l) => !isMeasured(l))];
}

/**
 * Merges results from shards or runners: the same scenario and lane measured more than once
 * gets its histograms added exactly; scenarios, checks, boundary rows and fuzz findings are
 * concatenated. The caller re-runs the gate on the merged result.
 */
export function mergeResults(
  all: readonly Results[],
  made: { commandLine: string; informational: readonly string[] },
): { merged: UngatedResults; warnings: string[] } {
  const warnings: string[] = [];
  const [first] = all as [Results];
  const fingerprints = new Set(all.map((r) => r.env.fingerprint));
  if (fingerprints.size > 1)
    warnings.push(
      `the results come from ${fingerprints.size} environments (${[...fingerprints].join(', ')}): merged figures ` +
        `mix machines`,
    );
  const scenarios = new Map<string, ScenarioResult & { laneRuns: Map<string, LaneResult[]> }>();
  for (const results of all) {
    for (const s of results.scenarios) {
      const entry = scenarios.get(s.id) ?? { ...s, lanes: [], laneRuns: new Map<string, LaneResult[]>() };
      for (const lane of s.lanes) entry.laneRuns.set(lane.lane, [...(entry.laneRuns.get(lane.lane) ?? []), lane]);
      scenarios.set(s.id, entry);
    }
  }
  const fuzzRuns = all.filter((r) => r.fuzz);
  const merged = resultsEnvelope({
    command: made.commandLine,
    startedAt: all.map((r) => r.startedAt).sort()[0]!,
    finishedAt: all
      .map((r) => r.finishedAt)
      .sort()
      .at(-1)!,
    interrupted: all.some((r) => r.interrupted),
    informational: [...all.flatMap((r) => r.informational ?? []), ...made.informational],
    env: first.env,
    scenarios: [...scenarios.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map(({ laneRuns, ...s }) => ({ ...s, lanes: [...laneRuns.values()].flatMap(mergeLaneRuns) })),
    checks: all.flatMap((r) => r.checks),
    ...(fuzzRuns.length
      ? {
          fuzz: {
            seed: fuzzRuns[0]!.fuzz!.seed,
            runs: fuzzRuns.reduce((s, r) => s + r.fuzz!.runs, 0),
            properties: fuzzRuns.flatMap((r) => r.fuzz!.properties),
            failures: fuzzRuns.flatMap((r) => r.fuzz!.failures),
          },
        }
      : {}),
    ...(all.some((r) => r.boundary) ? { boundary: all.flatMap((r) => r.boundary ?? []) } : {}),
  });
  return { merged, warnings };
}
