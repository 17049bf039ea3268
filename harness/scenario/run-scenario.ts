import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LaneUnavailableError, PluginLoadError, UsageError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import { applyPolicy, DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import { openLane } from '../lanes/open-lane.ts';
import { type Lane, type LaneId, laneName } from '../isolations/lane.ts';
import { batchSizeFor, calibrateClock, type Clock, hrClock } from '../measure/clock.ts';
import { watchEventLoop } from '../measure/event-loop.ts';
import type { LatencyHistogram, LatencySummary } from '../measure/latency.ts';
import {
  MEMORY_SAMPLES_PER_RUN,
  type MemoryReading,
  type MemorySample,
  memorySlope,
  sampleMemory,
} from '../measure/memory.ts';
import { LaneRecording } from '../measure/recording.ts';
import { resolvePluginDir } from '../project/plugin-dir.ts';
import type { LaneFailure, LaneResult, LatencyRecord, MeasuredLane, ScenarioResult } from '../report/results.ts';
import type { Scenario } from './scenario.ts';
import { typicalCallNs } from '../load/calibration.ts';
import { closedLoop } from '../load/closed-loop.ts';
import { cycle, inputPool } from '../load/inputs.ts';
import { type RunBound, type TimingMode, type HostLoadLane, canRunLoad } from '../isolations/host-load-lane.ts';
import { type LoadModel, type LoopHooks, warmupFor } from '../load/model.ts';
import { openLoop } from '../load/open-loop.ts';
import { targetOf } from '../load/target.ts';
import { hostLoad } from '../load/host-load.ts';
import { laneKind } from '../lanes/registry.ts';

export interface RunOptions {
  trusted: readonly TrustedKey[];
  /** @default hrClock */
  clock?: Clock;
  /** The host's policy, under each scenario's own `policy`. @default DEFAULT_POLICY */
  policy?: HostPolicy;
  /** Progress lines, about one a second per running lane. */
  progress?: (line: string) => void;
  /** Stops measuring (Ctrl-C); what was measured so far is returned. */
  signal?: AbortSignal;
  /**
   * How often memory is sampled while measuring, in ms; a run also samples MEMORY_SAMPLES_PER_RUN
   * times over its duration or calls, so a short one has a curve too. @default 100
   */
  sampleEveryMs?: number;
}

/** When a run samples memory: by time, and by calls for a call bound. */
function samplingFor(
  bound: RunBound,
  sampleEveryMs: number = CONTRACT_TIMING.tickMs,
): Pick<LoopHooks, 'tickEveryMs' | 'tickEveryCalls'> {
  if ('calls' in bound)
    return {
      tickEveryMs: sampleEveryMs,
      tickEveryCalls: Math.max(1, Math.floor(bound.calls / MEMORY_SAMPLES_PER_RUN)),
    };
  return { tickEveryMs: Math.min(sampleEveryMs, bound.durationMs / MEMORY_SAMPLES_PER_RUN) };
}

const record = (h: LatencyHistogram): LatencyRecord => ({ ...h.summary(), hdr: h.encode() });

/** Runs one scenario on each of its lanes in turn. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const dir = resolvePluginDir(scenario.plugin);
  const lanes: LaneResult[] = [];
  for (const id of scenario.lanes) {
    if (options.signal?.aborted) break;
    lanes.push(await runLane(dir, id, scenario, options));
  }
  const input = scenario.input;
  return {
    id: scenario.id,
    plugin: scenario.plugin,
    op: scenario.op,
    ...('sizeBytes' in input ? { inputSizeBytes: input.sizeBytes } : {}),
    thresholds: scenario.thresholds,
    lanes,
  };
}

/** Opens the lane once per host its callers need (one when they share a host), closing all if one fails. */
async function openLanes(dir: string, id: LaneId, scenario: Scenario, options: RunOptions): Promise<Lane[]> {
  const concurrency = scenario.load.model === 'closed' ? scenario.load.concurrency : 1;
  const hosts = laneKind(id).promises.callersShareHost ? 1 : concurrency;
  const opened: Lane[] = [];
  try {
    for (let i = 0; i < hosts; i++)
      opened.push(
        await openLane(dir, id, {
          trusted: options.trusted,
          policy: applyPolicy(options.policy ?? DEFAULT_POLICY, scenario.policy),
          config: scenario.config,
        }),
      );
  } catch (e) {
    await Promise.all(opened.map((l) => l.close()));
    throw e;
  }
  return opened;
}

/** One load model run on a lane: the harness's loops, or the lane's own host. */
type SteadyModel = Extract<LoadModel, { model: 'open' | 'closed' }>;
type Drive = (model: SteadyModel, bound: RunBound, recording: LaneRecording, hooks: LoopHooks) => Promise<DriveReport>;

interface DriveReport {
  elapsedNs: number;
  timing: TimingMode;
  achievedRate?: number;
  scheduleJitter?: LatencySummary;
}

/**
 * The harness drives the calls: per call or in calibrated batches on the harness's thread, or
 * crossing into a worker or child.
 */
async function harnessDrive(
  lanes: readonly Lane[],
  scenario: Scenario,
  pool: Uint8Array[],
  clock: Clock,
): Promise<Drive> {
  const next = cycle(pool);
  const targets = lanes.map((lane) => targetOf(lane, scenario.deadlineMs));
  const closed = scenario.load.model === 'closed';
  const batchSize = closed
    ? batchSizeFor(await typicalCallNs(targets[0]!, scenario.op, next, clock), calibrateClock(clock))
    : 1;
  const crossingBatch = closed && lanes[0]!.id.isolation !== 'inproc' ? scenario.batch : 1;
  const timing: TimingMode =
    batchSize > 1
      ? { mode: 'batched', size: batchSize }
      : crossingBatch > 1
        ? { mode: 'crossing-batched', size: crossingBatch }
        : { mode: 'per-call' };
  return async (model, bound, recording, hooks) => {
    if (model.model === 'closed') {
      const report = await closedLoop(
        targets,
        scenario.op,
        next,
        { ...hooks, bound, clock, batchSize, crossingBatch },
        recording,
      );
      return { elapsedNs: report.elapsedNs, timing };
    }
    const report = await openLoop(
      targets[0]!,
      scenario.op,
      next,
      { ...hooks, bound, clock, ratePerSec: model.ratePerSec },
      recording,
    );
    return {
      elapsedNs: report.elapsedNs,
      timing,
      achievedRate: report.achievedRatePerSec,
      scheduleJitter: report.scheduleJitter,
    };
  };
}

/** The lane's host drives the calls next to the plugin and sends its histograms back. */
function hostDrive(lanes: readonly HostLoadLane[], scenario: Scenario, pool: Uint8Array[], clock: Clock): Drive {
  const callers =
    scenario.load.model === 'closed' && laneKind(lanes[0]!.id).promises.callersShareHost
      ? scenario.load.concurrency
      : 1;
  return (model, bound, recording, hooks) =>
    hostLoad(lanes, scenario.op, pool, model, bound, recording, {
      ...hooks,
      clock,
      callers,
      ...(scenario.deadlineMs !== undefined ? { deadlineMs: scenario.deadlineMs } : {}),
    });
}

/** What a lane's opening settled: how its load is driven, on which inputs, and by whom. */
interface LoadPlan {
  drive: Drive;
  model: SteadyModel;
  /** The lane's host runs the load next to the plugin (`@go`). */
  hosted: boolean;
}

/** Checks the op and the deadline against the opened lane, and chooses how its load is driven. */
async function planLoad(lanes: readonly Lane[], scenario: Scenario, clock: Clock): Promise<LoadPlan> {
  const first = lanes[0]!;
  const opSpec = first.manifest.ops.find((o) => o.name === scenario.op);
  if (opSpec === undefined) {
    const ops = first.manifest.ops.map((o) => o.name).join(', ');
    throw new UsageError(`plugin \`${scenario.plugin}\` has no op \`${scenario.op}\` (its ops: ${ops})`);
  }
  if (scenario.deadlineMs !== undefined && !first.deadline.enforced) {
    const lane = `lane \`${first.name}\` cannot enforce one: ${first.deadline.why}`;
    throw new UsageError(`scenario \`${scenario.id}\` sets a deadline, but ${lane}`);
  }
  const pool = inputPool(opSpec.input, scenario.input);
  const hosted = lanes.every(canRunLoad) ? lanes : undefined;
  const drive = hosted ? hostDrive(hosted, scenario, pool, clock) : await harnessDrive(lanes, scenario, pool, clock);
  // A ramp warms up at its first step's rate.
  const model: SteadyModel =
    scenario.load.model === 'ramp' ? { model: 'open', ratePerSec: scenario.load.startRatePerSec } : scenario.load;
  return { drive, model, hosted: hosted !== undefined };
}

/** Calls excluded from the figures, so the measurement starts on a warm instance. */
async function warmUp(plan: LoadPlan, scenario: Scenario, recordings: LaneRecording[], signal?: AbortSignal) {
  const warmup = new LaneRecording(plan.model.model === 'open');
  recordings.push(warmup);
  await plan.drive(plan.model, warmupFor(scenario.bound), warmup, { signal });
}

/** What the measure step gathered, for the lane's result. */
interface Measurement {
  recording: LaneRecording;
  report: DriveReport;
  sustainedRate?: number;
  samples: MemorySample[];
  timeline: MeasuredLane['timeline'];
  eventLoopDelay: MeasuredLane['eventLoopDelay'];
}

/** Memory samples and the latency timeline taken at each tick of a measurement, and its progress lines. */
function sampler(lanes: readonly Lane[], scenario: Scenario, options: RunOptions, clock: Clock) {
  const samples: MemorySample[] = [];
  const timeline: MeasuredLane['timeline'] = [];
  const started = clock.nowNs();
  const sinceStartMs = () => (clock.nowNs() - started) / 1e6;
  let lastProgress = started;
  const progress = (now: number, calls: number, recording: LaneRecording) => {
    if (!options.progress || now - lastProgress < 1e9) return;
    lastProgress = now;
    const bound = scenario.bound;
    const left =
      'durationMs' in bound
        ? `${Math.max(0, (bound.durationMs - (now - started) / 1e6) / 1000).toFixed(0)} s left`
        : `${bound.calls - calls} calls left`;
    const p99 = (recording.latency.percentileNs(99) / 1e3).toFixed(1);
    options.progress(`${scenario.id} ${lanes[0]!.name}: ${calls} calls, p99 ${p99} µs, ${left}`);
  };
  const tick = async (calls: number, recording: LaneRecording, memory?: MemoryReading) => {
    const now = clock.nowNs();
    samples.push(await sampleMemory((now - started) / 1e6, calls, lanes, memory));
    if (recording.latency.count > 0)
      timeline.push({
        tMs: (now - started) / 1e6,
        calls,
        p50Ns: recording.latency.percentileNs(50),
        p99Ns: recording.latency.percentileNs(99),
      });
    progress(now, calls, recording);
    await yieldToEventLoop();
  };
  /** A sample at a point the loop does not tick: the start and the end. */
  const sampleNow = async (calls: number) => samples.push(await sampleMemory(sinceStartMs(), calls, lanes));
  return { samples, timeline, tick, sampleNow };
}

/** Runs the scenario's load (or its ramp) once, sampling memory and latency as it goes. */
async function measure(
  lanes: readonly Lane[],
  plan: LoadPlan,
  scenario: Scenario,
  options: RunOptions,
  clock: Clock,
  recordings: LaneRecording[],
): Promise<Measurement> {
  const { samples, timeline, tick, sampleNow } = sampler(lanes, scenario, options, clock);
  await sampleNow(0);
  const loop = watchEventLoop();
  let run: Pick<Measurement, 'recording' | 'report' | 'sustainedRate'>;
  if (scenario.load.model === 'ramp') {
    run = await ramp(scenario.load, plan.drive, options, (r) => recordings.push(r), tick);
  } else {
    const recording = new LaneRecording(plan.model.model === 'open');
    recordings.push(recording);
    const report = await plan.drive(plan.model, scenario.bound, recording, {
      signal: options.signal,
      tick: (calls, memory) => tick(calls, recording, memory),
      ...samplingFor(scenario.bound, options.sampleEveryMs),
    });
    run = { recording, report };
  }
  const eventLoopDelay = loop.stop();
  await sampleNow(run.recording.calls);
  return { ...run, samples, timeline, eventLoopDelay };
}

/** The measured lane as results.json holds it. */
function measuredLane(id: LaneId, scenario: Scenario, plan: LoadPlan, measured: Measurement): MeasuredLane {
  const { recording, report, samples } = measured;
  const load = scenario.load;
  return {
    ...identityOf(id),
    state: 'measured',
    load: {
      model: load.model,
      ...(load.model === 'open' ? { rate: load.ratePerSec } : {}),
      ...(load.model === 'closed' ? { concurrency: load.concurrency } : {}),
      durationMs: report.elapsedNs / 1e6,
      calls: recording.calls,
      late: recording.late,
      dropped: recording.dropped,
      ...(report.achievedRate !== undefined ? { achievedRate: report.achievedRate } : {}),
      ...(report.scheduleJitter !== undefined ? { scheduleJitter: report.scheduleJitter } : {}),
      timing: report.timing,
      driver: plan.hosted ? 'go-host' : 'harness',
      corrected: recording.uncorrected !== undefined,
    },
    latency: record(recording.latency),
    ...(recording.uncorrected ? { latencyUncorrected: record(recording.uncorrected) } : {}),
    ...(recording.inner.count > 0 ? { latencyInner: record(recording.inner) } : {}),
    errors: recording.errors,
    failureSamples: recording.failureSamples,
    memory: { samples, ...memorySlope(samples) },
    timeline: measured.timeline,
    eventLoopDelay: measured.eventLoopDelay,
    ...(measured.sustainedRate !== undefined ? { sustainedRate: measured.sustainedRate } : {}),
  };
}

const identityOf = (id: LaneId) => ({ lane: laneName(id), boundary: id.boundary, isolation: id.isolation });

/**
 * How a lane failed, when it is the lane's own failure: a refused load, a host that died while
 * loading, a lane this machine cannot run. A usage error or a harness bug is not: it is thrown.
 */
function laneFailureOf(error: unknown, step: LaneFailure['step']): LaneFailure | undefined {
  if (error instanceof LaneUnavailableError) return { kind: 'unavailable', message: error.message, step };
  if (error instanceof PluginLoadError) return { kind: error.kind, message: error.message, step };
  return undefined;
}

/**
 * One lane of a scenario, in its steps: open (load, negotiate, plan the load), warm up, measure,
 * result. A lane that fails in one of them is recorded as errored, and the run goes on.
 */
async function runLane(dir: string, id: LaneId, scenario: Scenario, options: RunOptions): Promise<LaneResult> {
  const clock = options.clock ?? hrClock;
  let step: LaneFailure['step'] = 'open';
  let lanes: Lane[] = [];
  const recordings: LaneRecording[] = [];
  try {
    lanes = await openLanes(dir, id, scenario, options);
    const plan = await planLoad(lanes, scenario, clock);
    step = 'warm-up';
    await warmUp(plan, scenario, recordings, options.signal);
    step = 'measure';
    return measuredLane(id, scenario, plan, await measure(lanes, plan, scenario, options, clock, recordings));
  } catch (e) {
    const failure = laneFailureOf(e, step);
    if (failure === undefined) throw e;
    options.progress?.(
      `${scenario.id} ${laneName(id)}: errored (${failure.kind}) at its ${step} step: ${failure.message}`,
    );
    return { ...identityOf(id), state: 'errored', failure };
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
    for (const r of recordings) r.destroy();
  }
}

/** Open-loop steps of rising rate; keeps the highest step whose p99 stayed in budget. */
async function ramp(
  load: Extract<LoadModel, { model: 'ramp' }>,
  drive: Drive,
  options: RunOptions,
  keep: (r: LaneRecording) => void,
  tick: (calls: number, r: LaneRecording) => Promise<void>,
): Promise<{ recording: LaneRecording; report: DriveReport; sustainedRate?: number }> {
  let best: { recording: LaneRecording; report: DriveReport; rate: number } | undefined;
  let last: { recording: LaneRecording; report: DriveReport } | undefined;
  for (
    let rate = load.startRatePerSec;
    rate <= load.maxRatePerSec && !options.signal?.aborted;
    rate += load.stepRatePerSec
  ) {
    const recording = new LaneRecording(true);
    keep(recording);
    const report = await drive({ model: 'open', ratePerSec: rate }, { durationMs: load.stepMs }, recording, {
      signal: options.signal,
      tick: (calls) => tick(calls, recording),
    });
    options.progress?.(`ramp ${rate}/s: p99 ${(recording.latency.percentileNs(99) / 1e3).toFixed(1)} µs`);
    last = { recording, report };
    if (recording.latency.percentileNs(99) > load.p99BudgetNs || recording.dropped > 0) break;
    best = { ...last, rate };
  }
  const chosen = best ?? last!;
  return { recording: chosen.recording, report: chosen.report, ...(best ? { sustainedRate: best.rate } : {}) };
}
