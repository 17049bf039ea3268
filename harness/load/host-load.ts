import { FAILURE_KINDS, type FailureKind } from '../contract/errors.ts';
import { failureFrom } from '../isolations/go-frames.ts';
import type { HostLoadLane, HostLoadRequest, LoadDelta, RunBound, TimingMode } from '../isolations/host-load-lane.ts';
import type { LaneMemory } from '../isolations/lane.ts';
import { addLaneMemory } from '../measure/memory.ts';
import type { Clock } from '../measure/clock.ts';
import { LatencyHistogram, type LatencySummary } from '../measure/latency.ts';
import type { LaneRecording } from '../measure/recording.ts';
import { type LoopHooks, TICK_EVERY_MS } from './model.ts';

export interface HostLoadReport {
  elapsedNs: number;
  timing: TimingMode;
  achievedRate?: number;
  scheduleJitter?: LatencySummary;
}

function addEncoded(into: LatencyHistogram, encoded: string): void {
  const decoded = LatencyHistogram.decode(encoded);
  into.add(decoded);
  decoded.destroy();
}

/** Splits a call count over the lanes, the remainder to the first. */
function shares(bound: RunBound, lanes: number): RunBound[] {
  if (!('calls' in bound)) return Array.from({ length: lanes }, () => bound);
  return Array.from({ length: lanes }, (_, i) => ({
    calls: Math.floor(bound.calls / lanes) + (i < bound.calls % lanes ? 1 : 0),
  }));
}

type HostModel = { model: 'open'; ratePerSec: number } | { model: 'closed' };
type HostLoadHooks = LoopHooks & { clock: Clock; deadlineMs?: number; callers?: number };

/** A load under way in several hosts, and the figures their deltas add up to. */
interface HostLoadRun {
  lanes: readonly HostLoadLane[];
  op: string;
  inputs: Uint8Array[];
  model: HostModel;
  hooks: HostLoadHooks;
  recording: LaneRecording;
  jitter: LatencyHistogram | undefined;
  timing: TimingMode;
  /** The ticks so far, in order. */
  ticking: Promise<void>;
  /** Each host's memory from its latest delta; unknown while a host is replaced. */
  memories: Array<LaneMemory | undefined>;
}

/**
 * Runs a load model in the hosts of `lanes` at once (`callers` in each) and adds every delta to
 * `recording`: histograms decoded and added exactly, counts summed. A host that dies mid-load
 * loses at most one tick; the call that ended it is counted, and the load goes on in its
 * replacement for the rest of its bound.
 */
export async function hostLoad(
  lanes: readonly HostLoadLane[],
  op: string,
  inputs: Uint8Array[],
  model: HostModel,
  bound: RunBound,
  recording: LaneRecording,
  hooks: HostLoadHooks,
): Promise<HostLoadReport> {
  const run: HostLoadRun = {
    lanes,
    op,
    inputs,
    model,
    hooks,
    recording,
    jitter: model.model === 'open' ? LatencyHistogram.create() : undefined,
    timing: { mode: 'per-call' },
    ticking: Promise.resolve(),
    memories: lanes.map(() => undefined),
  };
  try {
    const parts = shares(bound, lanes.length);
    const elapsed = await Promise.all(lanes.map((_, i) => runShare(run, i, parts[i]!)));
    await run.ticking;
    const elapsedNs = Math.max(...elapsed);
    return {
      elapsedNs,
      timing: run.timing,
      ...(model.model === 'open'
        ? { achievedRate: recording.calls / (elapsedNs / 1e9), scheduleJitter: run.jitter!.summary() }
        : {}),
    };
  } finally {
    run.jitter?.destroy();
  }
}

/** Runs lane `index`'s share of the bound, in a replacement host after each crash; returns the ns it ran. */
async function runShare(run: HostLoadRun, index: number, share: RunBound): Promise<number> {
  const { hooks } = run;
  let calls = 0;
  let elapsedNs = 0;
  let died = false;
  for (;;) {
    const remaining: RunBound =
      'calls' in share ? { calls: share.calls - calls } : { durationMs: share.durationMs - elapsedNs / 1e6 };
    if (('calls' in remaining ? remaining.calls : remaining.durationMs) <= 0 || hooks.signal?.aborted) return elapsedNs;
    const startedNs = hooks.clock.nowNs();
    const onDelta = (delta: LoadDelta) => {
      calls += delta.calls;
      mergeDelta(run, delta, index);
    };
    const request = requestFor(run, remaining, calls);
    const end = await run.lanes[index]!.runLoad(died ? { ...request, perCall: true } : request, onDelta, hooks.signal);
    if ('final' in end) {
      elapsedNs += end.final.elapsedNs ?? 0;
      if (!end.final.stuck) return elapsedNs;
      run.memories[index] = undefined;
    } else {
      // The host died: its last memory is no longer anyone's.
      run.memories[index] = undefined;
      died = true;
      run.recording.recordOutcome({ ok: false, failure: end.ended });
      calls++;
      elapsedNs += hooks.clock.nowNs() - startedNs;
    }
  }
}

/** What a host is asked to run: the rest of its share, after `calls` of it were made. */
function requestFor(run: HostLoadRun, remaining: RunBound, calls: number): HostLoadRequest {
  const { hooks, inputs, model } = run;
  // A continuation after a replacement takes up the inputs where the last host left them.
  const turn = calls % inputs.length;
  return {
    op: run.op,
    inputs: [...inputs.slice(turn), ...inputs.slice(0, turn)],
    model: model.model,
    ...(model.model === 'open' ? { ratePerSec: model.ratePerSec } : {}),
    bound: remaining,
    ...(hooks.deadlineMs !== undefined ? { deadlineMs: hooks.deadlineMs } : {}),
    tickEveryMs: hooks.tickEveryMs ?? TICK_EVERY_MS,
    ...(hooks.tickEveryCalls !== undefined
      ? { tickEveryCalls: Math.ceil(hooks.tickEveryCalls / run.lanes.length) }
      : {}),
    ...(model.model === 'closed' && (hooks.callers ?? 1) > 1 ? { callers: hooks.callers } : {}),
  };
}

/** Adds one host's delta to the load's figures, and ticks with what they are as of it. */
function mergeDelta(run: HostLoadRun, delta: LoadDelta, lane: number): void {
  const { recording, hooks } = run;
  recording.calls += delta.calls;
  recording.late += delta.late;
  for (const [kind, count] of Object.entries(delta.errors)) {
    if (!(FAILURE_KINDS as readonly string[]).includes(kind))
      throw new Error(`harness bug: the host counted failures of kind \`${kind}\``);
    recording.errors[kind as FailureKind] = (recording.errors[kind as FailureKind] ?? 0) + count;
  }
  for (const sample of delta.failureSamples) recording.keepSample(failureFrom(sample));
  addEncoded(recording.latency, delta.latency);
  if (delta.uncorrected && recording.uncorrected) addEncoded(recording.uncorrected, delta.uncorrected);
  if (delta.jitter && run.jitter) addEncoded(run.jitter, delta.jitter);
  if (delta.timing) run.timing = delta.timing;
  run.memories[lane] = delta.memory;
  if (!hooks.tick) return;
  // Calls, memory and replacements as of this delta: a tick that waits behind another must not read later ones.
  const calls = recording.calls;
  const memories = run.memories;
  const memory = memories.every((m) => m !== undefined) ? addLaneMemory(memories as LaneMemory[]) : undefined;
  const replacements = run.lanes.reduce((sum, l) => sum + l.recycles.length, 0);
  run.ticking = run.ticking.then(() => hooks.tick!(calls, memory && { ...memory, replacements }));
}
