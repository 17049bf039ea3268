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
  model: { model: 'open'; ratePerSec: number } | { model: 'closed' },
  bound: RunBound,
  recording: LaneRecording,
  hooks: LoopHooks & { clock: Clock; deadlineMs?: number; callers?: number },
): Promise<HostLoadReport> {
  const jitter = model.model === 'open' ? LatencyHistogram.create() : undefined;
  let ticking = Promise.resolve();
  let timing: TimingMode = { mode: 'per-call' };
  // Each host's memory from its latest delta; unknown while a host is replaced.
  const memories: Array<LaneMemory | undefined> = lanes.map(() => undefined);
  const merge = (delta: LoadDelta, lane: number) => {
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
    if (delta.jitter && jitter) addEncoded(jitter, delta.jitter);
    if (delta.timing) timing = delta.timing;
    memories[lane] = delta.memory;
    if (!hooks.tick) return;
    // Calls, memory and replacements as of this delta: a tick that waits behind another must not read later ones.
    const calls = recording.calls;
    const memory = memories.every((m) => m !== undefined) ? addLaneMemory(memories as LaneMemory[]) : undefined;
    const replacements = lanes.reduce((sum, l) => sum + l.recycles.length, 0);
    ticking = ticking.then(() => hooks.tick!(calls, memory && { ...memory, replacements }));
  };
  const runOne = async (lane: HostLoadLane, index: number, share: RunBound): Promise<number> => {
    let calls = 0;
    let elapsedNs = 0;
    for (;;) {
      const remaining: RunBound =
        'calls' in share ? { calls: share.calls - calls } : { durationMs: share.durationMs - elapsedNs / 1e6 };
      if (('calls' in remaining ? remaining.calls : remaining.durationMs) <= 0 || hooks.signal?.aborted)
        return elapsedNs;
      const startedNs = hooks.clock.nowNs();
      // A continuation after a replacement takes up the inputs where the last host left them.
      const turn = calls % inputs.length;
      const request: HostLoadRequest = {
        op,
        inputs: [...inputs.slice(turn), ...inputs.slice(0, turn)],
        model: model.model,
        ...(model.model === 'open' ? { ratePerSec: model.ratePerSec } : {}),
        bound: remaining,
        ...(hooks.deadlineMs !== undefined ? { deadlineMs: hooks.deadlineMs } : {}),
        tickEveryMs: hooks.tickEveryMs ?? TICK_EVERY_MS,
        ...(hooks.tickEveryCalls !== undefined
          ? { tickEveryCalls: Math.ceil(hooks.tickEveryCalls / lanes.length) }
          : {}),
        ...(model.model === 'closed' && (hooks.callers ?? 1) > 1 ? { callers: hooks.callers } : {}),
      };
      const end = await lane.runLoad(
        request,
        (delta) => {
          calls += delta.calls;
          merge(delta, index);
        },
        hooks.signal,
      );
      if ('final' in end) {
        elapsedNs += end.final.elapsedNs ?? 0;
        if (!end.final.stuck) return elapsedNs;
        memories[index] = undefined;
      } else {
        // The host died: its last memory is no longer anyone's.
        memories[index] = undefined;
        recording.recordOutcome({ ok: false, failure: end.ended });
        calls++;
        elapsedNs += hooks.clock.nowNs() - startedNs;
      }
    }
  };
  try {
    const parts = shares(bound, lanes.length);
    const elapsed = await Promise.all(lanes.map((lane, i) => runOne(lane, i, parts[i]!)));
    await ticking;
    const elapsedNs = Math.max(...elapsed);
    return {
      elapsedNs,
      timing,
      ...(model.model === 'open'
        ? { achievedRate: recording.calls / (elapsedNs / 1e9), scheduleJitter: jitter!.summary() }
        : {}),
    };
  } finally {
    jitter?.destroy();
  }
}
