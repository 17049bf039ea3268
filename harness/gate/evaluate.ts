import { checkKeys, fuzzKeys, isInformational } from '../report/informational.ts';
import type { FailureKind } from '../contract/errors.ts';
import { LatencyHistogram } from '../measure/latency.ts';
import {
  type ErroredLane,
  type GateResult,
  isMeasured,
  type LatencyRecord,
  type MeasuredLane,
  type Results,
  type ScenarioResult,
} from '../report/results.ts';
import { seededRandom } from '../random.ts';
import { compare, parseThreshold, type Threshold } from './threshold.ts';

/** Failure kinds that are faults of the plugin, never acceptable in a measurement run. */
const FAULT_KINDS: readonly FailureKind[] = ['panic', 'trap', 'crash', 'timeout', 'resource-exhausted', 'protocol'];

/** The gate row every lane gets without asking: no plugin faults while measuring. */
export const IMPLICIT_THRESHOLDS = ['errors.faults == 0'];

function plainMetric(lane: MeasuredLane, metric: string): number | null | undefined {
  const errors = Object.values(lane.errors).reduce((s, n) => s + (n ?? 0), 0);
  const [group, field] = metric.split('.') as [string, string | undefined];
  switch (group) {
    case 'latency':
      return lane.latency[field as 'p50'];
    case 'latencyInner':
      return lane.latencyInner?.[field as 'p50'];
    case 'errors':
      return field === 'rate'
        ? lane.load.calls === 0
          ? 0
          : errors / lane.load.calls
        : field === 'count'
          ? errors
          : FAULT_KINDS.reduce((s, k) => s + (lane.errors[k] ?? 0), 0);
    case 'memory':
      return lane.memory.slopeBytesPerCall;
    case 'throughput':
      return lane.load.calls / (lane.load.durationMs / 1000);
    case 'load':
      return field === 'late' ? lane.load.late : lane.load.dropped;
    default:
      return undefined;
  }
}

/** Draws samples from an encoded histogram, for a bootstrap when only histograms were kept. */
function drawer(hdr: string): { draw(n: number, random: () => number): number[]; destroy(): void } {
  const histogram = LatencyHistogram.decode(hdr);
  const grid = Array.from({ length: 1001 }, (_, i) => histogram.percentileNs(i / 10));
  return {
    draw: (n, random) => Array.from({ length: n }, () => grid[Math.floor(random() * grid.length)]!),
    destroy: () => histogram.destroy(),
  };
}

const statistic = (values: number[], field: string) => {
  const sorted = values.sort((a, b) => a - b);
  if (field === 'mean') return values.reduce((s, v) => s + v, 0) / values.length;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * (field === 'p99' ? 0.99 : 0.5)))]!;
};

/** Draws per side in each bootstrap resample: the run's calls are not independent, so not all of them. */
const BOOTSTRAP_DRAWS = 400;

/** Which recorded figure a baseline comparison judges. */
export type RegressionMetric = 'inner' | 'roundtrip';

/** The plugin's own time where both runs timed it inside the worker or child, else the latency. */
interface Figure {
  name: 'latency' | 'latencyInner';
  decidedBy: RegressionMetric;
  pick: (lane: MeasuredLane) => LatencyRecord;
}

function figureOf(head: MeasuredLane, base: MeasuredLane, metric: RegressionMetric): Figure {
  if (metric === 'inner' && head.latencyInner && base.latencyInner) {
    return { name: 'latencyInner', decidedBy: 'inner', pick: (l) => l.latencyInner! };
  }
  // On @inproc and @go the latency is already the plugin's own time (no crossing timed).
  const own = head.isolation === 'inproc' || head.isolation === 'go';
  return { name: 'latency', decidedBy: own ? 'inner' : 'roundtrip', pick: (l) => l.latency };
}

/**
 * `regression.*` against a baseline lane: head/base − 1 with a 95 % bootstrap interval from
 * the two histograms, on the plugin's own time where both runs timed it inside the worker or
 * child. Fails only when the whole interval is above the threshold, passes only when it is at
 * or below it; in between it is too wide to judge: `warn`, and a pointer to `plugbench compare`,
 * which samples both builds interleaved until it can decide.
 */
type RegressionRow = Pick<
  GateResult,
  'value' | 'baseline' | 'status' | 'detail' | 'samples' | 'interval' | 'decidedBy'
>;

function regression(
  head: MeasuredLane,
  base: MeasuredLane,
  threshold: Threshold,
  scenario: ScenarioResult,
  metric: RegressionMetric,
): RegressionRow {
  const field = threshold.metric.split('.')[1]!;
  const figure = figureOf(head, base, metric);
  const [headRecord, baseRecord] = [figure.pick(head), figure.pick(base)];
  const baseValue = baseRecord[field as 'p50'];
  const headValue = headRecord[field as 'p50'];
  const random = seededRandom(7);
  const [b, h] = [drawer(baseRecord.hdr), drawer(headRecord.hdr)];
  const n = Math.min(BOOTSTRAP_DRAWS, headRecord.count, baseRecord.count);
  const ratios: number[] = [];
  for (let i = 0; i < 500; i++)
    ratios.push(statistic(h.draw(n, random), field) / statistic(b.draw(n, random), field) - 1);
  b.destroy();
  h.destroy();
  ratios.sort((x, y) => x - y);
  const [low, high] = [ratios[12]!, ratios[487]!];
  const value = headValue / baseValue - 1;
  const above = !compare(low, threshold.comparator, threshold.value);
  const within = compare(high, threshold.comparator, threshold.value);
  const status = above ? 'fail' : within ? 'pass' : 'warn';
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const decided =
    `${pct(value)} (95% CI ${pct(low)} … ${pct(high)}) on ${figure.name}.${field},` +
    ` bootstrap of ${n} draws per side from ${headRecord.count} head and ${baseRecord.count} baseline calls,` +
    ` ${headValue} ns vs baseline ${baseValue} ns`;
  const tooWide =
    status === 'warn'
      ? `: the interval is too wide to judge against ${threshold.limit}; run \`plugbench compare --base ` +
        `BASELINE_BUILD` +
        ` --head ${scenario.plugin} --op ${scenario.op} --lane ${head.lane} --threshold ${threshold.limit}\`,` +
        ' which samples both interleaved until it can decide'
      : '';
  return {
    value,
    baseline: baseValue,
    status,
    detail: decided + tooWide,
    samples: n,
    interval: { low, high, confidence: 0.95, method: 'bootstrap of histograms' },
    decidedBy: figure.decidedBy,
  };
}

/** What a run without a baseline says once, instead of a `warn` row per scenario and lane. */
export const NO_BASELINE =
  'regressions not judged: no baseline — save one with ' +
  '`plugbench baseline save reports/latest/results.json --name NAME`, then run with `--baseline NAME`';

/** NO_BASELINE when some scenario has a regression threshold and there is no baseline to judge it by. */
export function regressionsNotJudged(results: Pick<Results, 'scenarios'>, baseline?: Results): string | undefined {
  if (baseline !== undefined) return undefined;
  const judgesRegressions = (t: string) => parseThreshold(t).metric.startsWith('regression.');
  const wanted = results.scenarios.some((s) => (s.thresholds ?? []).some(judgesRegressions));
  return wanted ? NO_BASELINE : undefined;
}

/** The row of a lane that could not be measured: its thresholds cannot pass, so the gate fails. */
function erroredRow(scenario: ScenarioResult, lane: ErroredLane): GateResult {
  const { kind, message, step } = lane.failure;
  const detail = `errored (${kind}) at its ${step} step, nothing measured: ${message}`;
  return {
    metric: 'lane.state',
    scenario: scenario.id,
    lane: lane.lane,
    threshold: '== measured',
    value: null,
    status: 'fail',
    detail,
  };
}

/** One threshold on one measured lane; none for a regression without a baseline (said once instead). */
function thresholdRow(
  scenario: ScenarioResult,
  lane: MeasuredLane,
  threshold: Threshold,
  baseline: Results | undefined,
  metric: RegressionMetric,
): GateResult | undefined {
  const row = {
    metric: threshold.metric,
    scenario: scenario.id,
    lane: lane.lane,
    threshold: `${threshold.comparator} ${threshold.limit}`,
  };
  if (threshold.metric.startsWith('regression.')) {
    if (baseline === undefined) return undefined;
    const before = baseline.scenarios
      .find((s) => s.id === scenario.id)
      ?.lanes.filter(isMeasured)
      .find((l) => l.lane === lane.lane);
    if (before) return { ...row, ...regression(lane, before, threshold, scenario, metric) };
    const detail = 'the baseline has no figures for this scenario and lane: save a new one';
    return { ...row, value: null, status: 'warn', detail };
  }
  const value = plainMetric(lane, threshold.metric);
  // A slope the run had too few samples for is not a pass: it was not measured.
  if (value === null)
    return { ...row, value: null, status: 'warn', detail: lane.memory.slopeReason ?? 'not enough samples' };
  if (value === undefined)
    return { ...row, value: null, status: 'warn', detail: `\`${threshold.metric}\` was not measured on this lane` };
  return { ...row, value, status: compare(value, threshold.comparator, threshold.value) ? 'pass' : 'fail' };
}

/**
 * Evaluates every scenario's thresholds (and the implicit ones) on every lane; an errored lane
 * gets one failed `lane.state` row instead. Regression thresholds are judged only against a
 * baseline: without one the run says so once (`regressionsNotJudged`); a lane the baseline
 * lacks gets `warn`, never a silent pass.
 */
export function evaluateGate(
  results: Pick<Results, 'scenarios'>,
  baseline?: Results,
  metric: RegressionMetric = 'inner',
): GateResult[] {
  const rows: GateResult[] = [];
  for (const scenario of results.scenarios) {
    const thresholds = [...IMPLICIT_THRESHOLDS, ...(scenario.thresholds ?? [])].map(parseThreshold);
    for (const lane of scenario.lanes) {
      if (!isMeasured(lane)) {
        rows.push(erroredRow(scenario, lane));
        continue;
      }
      for (const threshold of thresholds.filter((t) => t.lane === undefined || t.lane === lane.lane)) {
        const row = thresholdRow(scenario, lane, threshold, baseline, metric);
        if (row) rows.push(row);
      }
    }
  }
  return rows;
}

/**
 * The verdict: any failed gate row, check or fuzz property fails the run, unless the check or
 * property was named informational (it is still reported).
 */
export function verdictOf(results: Pick<Results, 'gate' | 'checks' | 'fuzz' | 'informational'>): 'pass' | 'fail' {
  const counts = (keys: string[]) => !isInformational(results.informational, keys);
  const failed =
    results.gate.some((g) => g.status === 'fail') ||
    results.checks.some((c) => c.status === 'fail' && counts(checkKeys(c))) ||
    (results.fuzz?.failures ?? []).some((f) => counts(fuzzKeys(f)));
  return failed ? 'fail' : 'pass';
}
