import { initHistograms } from '../measure/latency.ts';
import type { GateResult, Results, UngatedResults } from '../report/results.ts';
import { checkFingerprints, loadBaseline } from './baseline.ts';
import { evaluateGate, type RegressionMetric, regressionsNotJudged, verdictOf } from './evaluate.ts';

/** How to gate results; every field is optional. */
export interface GateOptions {
  /** A baseline name (the project's baselines folder) or a results file, for regression thresholds. */
  baseline?: string;
  /** A baseline from another environment is an error instead of a warning. @default false */
  strictEnv?: boolean;
  /** The figure regressions are judged on. @default 'inner' */
  metric?: RegressionMetric;
  /** Rows the command decided itself (`compare`'s interleaved regression), judged beside the thresholds. */
  decided?: readonly GateResult[];
}

/** Gated results, and what the gate wants said (a baseline from another machine). */
export interface GatedResults {
  results: Results;
  warnings: string[];
}

/**
 * Gates results: every scenario's thresholds on every lane (against a baseline when given), an
 * errored lane as a failed row, then the verdict from those rows, the checks and the fuzz findings.
 */
export async function applyGate(results: UngatedResults, options: GateOptions = {}): Promise<GatedResults> {
  await initHistograms();
  const baseline = options.baseline === undefined ? undefined : loadBaseline(options.baseline);
  const warning = baseline && checkFingerprints(results, baseline, options.strictEnv ?? false);
  const gate = [...evaluateGate(results, baseline, options.metric), ...(options.decided ?? [])];
  const notJudged = regressionsNotJudged(results, baseline);
  // Set even when undefined: re-gating a file with a baseline drops what it said without one.
  const gated = { ...results, gate, regressionsNotJudged: notJudged };
  return { results: { ...gated, verdict: verdictOf(gated) }, warnings: warning ? [warning] : [] };
}
