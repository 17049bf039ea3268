import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailureKind } from '../contract/errors.ts';
import type { Boundary } from '../engines/instance.ts';
import type { Isolation } from '../isolations/lane.ts';
import { type Environment, environment } from '../measure/environment.ts';
import type { LatencySummary } from '../measure/latency.ts';
import type { MemorySample } from '../measure/memory.ts';
import { type TimingMode } from '../isolations/host-load-lane.ts';
import type { FailureSample } from '../measure/recording.ts';

export type CheckStatus = 'pass' | 'fail' | 'unsupported';

/** One cell of the safety matrix, as results.json's `checks[]` holds it. */
export interface CheckResult {
  id: string;
  plugin: string;
  lane: string;
  status: CheckStatus;
  detail: string;
}

/** What one crossing costs on one lane at one payload size (closed loop, one caller). */
export interface BoundaryCost {
  lane: string;
  sizeBytes: number;
  /**
   * Who timed it: `tinybench` (round trip from the harness, per call, `performance.now`) or
   * the Go host's own loop next to the plugin (`go-host per-call` or `go-host batched ×N`,
   * Go's monotonic clock).
   */
  timedBy: string;
  /** Mean ns per `echo` call. */
  meanNs: number;
  p50Ns: number;
  p99Ns: number;
  /** Relative margin of error of the mean, in %. */
  rmePercent: number;
  samples: number;
  /** (mean at this size − mean at the smallest size) / extra bytes. */
  nsPerByte?: number;
}

export const RESULTS_SCHEMA = 'plugbench/results@1';

/** Latency percentiles plus the encoded HDR histogram they came from. */
export interface LatencyRecord extends LatencySummary {
  /** HdrHistogram V2, compressed base64: decode it to merge or re-read exactly. */
  hdr: string;
}

/** Which lane a result is of. */
interface LaneIdentity {
  lane: string;
  boundary: Boundary;
  isolation: Isolation;
}

/** A lane that ran its load: what it measured. */
export interface MeasuredLane extends LaneIdentity {
  /** Results files from before lane states have none: every lane in them was measured. */
  state: 'measured';
  load: {
    model: 'open' | 'closed' | 'ramp';
    /** Open loop: target calls per second. */
    rate?: number;
    /** Closed loop: callers in flight. */
    concurrency?: number;
    durationMs: number;
    calls: number;
    late: number;
    dropped: number;
    /** Open loop: calls per second achieved. */
    achievedRate?: number;
    /** Open loop: how late calls started against their schedule (the harness's own jitter). */
    scheduleJitter?: LatencySummary;
    /** How each latency was timed. */
    timing: TimingMode;
    /**
     * Who made the calls and timed them: the harness (per call, or crossing into a worker or
     * child), or the Go host next to the plugin, as a Go service would call it. @default 'harness'
     */
    driver?: 'harness' | 'go-host';
    /** Open loop: corrected for coordinated omission (latency from intended start). */
    corrected: boolean;
  };
  latency: LatencyRecord;
  latencyUncorrected?: LatencyRecord;
  /** Isolated lanes: time inside the worker or child. */
  latencyInner?: LatencyRecord;
  errors: Partial<Record<FailureKind, number>>;
  failureSamples: FailureSample[];
  /** The slope is null when the run had too few samples to measure one; `slopeReason` says why. */
  memory: { samples: MemorySample[]; slopeBytesPerCall: number | null; slopeReason?: string };
  /** Latency as the run went: cumulative percentiles at each sample, for the over-time plot. */
  timeline: Array<{ tMs: number; calls: number; p50Ns: number; p99Ns: number }>;
  eventLoopDelay: { p99Ns: number; maxNs: number };
  /** Ramp only: the highest rate whose p99 stayed within the budget. */
  sustainedRate?: number;
}

/** Why a lane has no figures; the other lanes and scenarios of the run went on. */
export interface LaneFailure {
  /** A refused load (negotiation, provenance, a host that died while loading), or a lane this machine cannot run. */
  kind: 'incompatible' | 'rejected' | 'protocol' | 'unavailable';
  message: string;
  /** The step of the lane's run it failed in. */
  step: 'open' | 'warm-up' | 'measure';
}

/** A lane that could not be measured: recorded, shown as a failed row, and failing the gate. */
export interface ErroredLane extends LaneIdentity {
  state: 'errored';
  failure: LaneFailure;
}

/** One lane of a scenario: measured, or errored with its failure (tinybench's `state`, not a throw). */
export type LaneResult = MeasuredLane | ErroredLane;

export const isMeasured = (lane: LaneResult): lane is MeasuredLane => lane.state !== 'errored';

/** A lane a bench cannot do without: its figures, or a throw saying why it has none. */
export function measuredOrThrow(lane: LaneResult): MeasuredLane {
  if (isMeasured(lane)) return lane;
  throw new Error(`lane ${lane.lane} errored at its ${lane.failure.step} step: ${lane.failure.message}`);
}

export interface ScenarioResult {
  id: string;
  plugin: string;
  op: string;
  inputSizeBytes?: number;
  /** The scenario's gate expressions, kept so `plugbench gate` can re-evaluate from results alone. */
  thresholds?: string[];
  lanes: LaneResult[];
}

export interface GateResult {
  metric: string;
  scenario: string;
  lane: string;
  threshold: string;
  /** null where there is nothing to measure against (no baseline, metric not measured): JSON keeps null, not NaN. */
  value: number | null;
  baseline?: number;
  status: 'pass' | 'warn' | 'fail';
  detail?: string;
  /** Regression rows: how many samples decided (interleaved rounds, or bootstrap draws per side). */
  samples?: number;
  /** Regression rows: the interval that decided, as ratios, and how it was made. */
  interval?: { low: number; high: number; confidence: number; method: string };
  /** Regression rows: the figure compared, `inner` (the plugin's own time) or `roundtrip`. */
  decidedBy?: 'inner' | 'roundtrip';
}

export interface FuzzFailure {
  property: string;
  plugin: string;
  op: string;
  lane: string;
  kind?: FailureKind;
  message: string;
  inputBase64: string;
  /** A `stateful` finding's steps, shrunk, the one the boundaries disagreed on last. */
  sequence?: string[];
  replay: string;
}

/** How a plugin/op was fuzzed and, when guided, what the coverage loop reached. */
export interface GuidedFuzzStats {
  mode: 'guided' | 'blind';
  /** Why this mode: the coverage build, `--no-coverage`, no coverage build, no lane that can run the loop. */
  why: string;
  /** On the first guided lane; per lane below (wasm and native builds count their edges apart). */
  coverage: { edgesSeen: number; edgesTotal: number };
  coverageByLane: Record<string, { edgesSeen: number; edgesTotal: number }>;
  /** Executions per second of the guided loop, per lane, measured inside the worker or child over the whole budget. */
  guidedExecsPerSecByLane: Record<string, number>;
  /** Inputs in the coverage corpus after the run. */
  corpusSize: number;
  /** Edges seen after each 100 ms slice, per lane. */
  edgesOverTime: Record<string, Array<{ tMs: number; edges: number }>>;
}

export interface FuzzResults {
  seed: number;
  runs: number;
  properties: Array<
    {
      property: string;
      plugin: string;
      op: string;
      runs: number;
      status: 'pass' | 'fail';
      execsPerSecByLane: Record<string, number>;
    } & Partial<GuidedFuzzStats>
  >;
  failures: FuzzFailure[];
}

/** results.json: the one source of truth; every other report is rendered from it. */
export interface Results {
  schema: typeof RESULTS_SCHEMA;
  verdict: 'pass' | 'fail';
  command: string;
  startedAt: string;
  finishedAt: string;
  /** True when the run was stopped early (Ctrl-C): what it holds was measured before that. */
  interrupted: boolean;
  /** Checks and fuzz properties reported but not failing the verdict (`--informational`). */
  informational?: string[];
  env: Environment;
  scenarios: ScenarioResult[];
  checks: CheckResult[];
  fuzz?: FuzzResults;
  /** The boundary table: what `echo` costs per call and per byte on each lane. */
  boundary?: BoundaryCost[];
  gate: GateResult[];
  /** Why regression thresholds were not judged (no baseline), said once instead of per lane. */
  regressionsNotJudged?: string;
}

/** Results before the gate: all that results.json holds but the verdict and the gate's rows (`applyGate` adds them). */
export type UngatedResults = Omit<Results, 'verdict' | 'gate' | 'regressionsNotJudged'>;

/** What a command measured, for `resultsEnvelope`; every other field of the envelope has its default there, once. */
export interface ResultsParts {
  /** The command line as typed. */
  command: string;
  startedAt: string;
  /** @default now */
  finishedAt?: string;
  /** @default false */
  interrupted?: boolean;
  /** @default [] */
  informational?: readonly string[];
  /** @default this machine's `environment()` */
  env?: Environment;
  /** @default [] */
  scenarios?: ScenarioResult[];
  /** @default [] */
  checks?: CheckResult[];
  fuzz?: FuzzResults;
  boundary?: BoundaryCost[];
}

/** The one constructor of the results envelope (schema, environment, provenance): every command builds it here. */
export function resultsEnvelope(parts: ResultsParts): UngatedResults {
  return {
    schema: RESULTS_SCHEMA,
    command: parts.command,
    startedAt: parts.startedAt,
    finishedAt: parts.finishedAt ?? new Date().toISOString(),
    interrupted: parts.interrupted ?? false,
    informational: [...new Set(parts.informational ?? [])],
    env: parts.env ?? environment(),
    scenarios: parts.scenarios ?? [],
    checks: parts.checks ?? [],
    ...(parts.fuzz ? { fuzz: parts.fuzz } : {}),
    ...(parts.boundary ? { boundary: parts.boundary } : {}),
  };
}

/** A lane as results files from before lane states hold it: no `state`, and measured. */
type StatelessLane = Omit<MeasuredLane, 'state'> & { state?: undefined };

/** Results read from a file: lanes without a state (files from before lane states) were measured. */
export function withLaneStates(read: Results): Results {
  const stated = (lane: LaneResult | StatelessLane): LaneResult =>
    lane.state === undefined ? { ...lane, state: 'measured' } : lane;
  return { ...read, scenarios: read.scenarios.map((s) => ({ ...s, lanes: s.lanes.map(stated) })) };
}

/** Writes a file so that a reader sees the old content or the new, never a torn one. */
export function writeFileAtomically(path: string, content: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

export function writeResults(dir: string, results: Results): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'results.json');
  writeFileAtomically(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
