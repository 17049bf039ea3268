import { type TimingMode } from '../isolations/host-load-lane.ts';
import type { ErroredLane, GateResult } from './results.ts';
/** Human units for reports. */

export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** A latency figure of a lane, or — where it timed no call (every call crashed before it could be). */
export const formatTimed = (latency: { count: number }, ns: number) => (latency.count === 0 ? '—' : formatNs(ns));

export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${bytes.toFixed(abs < 10 ? 1 : 0)} B`;
  if (abs < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (abs < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** A lane's memory slope per call, or why there is none: never a figure that was not measured. */
export function formatSlope(memory: { slopeBytesPerCall: number | null }): string {
  return memory.slopeBytesPerCall === null ? 'not enough samples' : `${formatBytes(memory.slopeBytesPerCall)}/call`;
}

export function formatRate(perSec: number): string {
  return perSec >= 1e6
    ? `${(perSec / 1e6).toFixed(2)} M/s`
    : perSec >= 1e3
      ? `${(perSec / 1e3).toFixed(1)} k/s`
      : `${perSec.toFixed(0)}/s`;
}

/** How a lane's latencies were timed, in words: `per call`, `batched ×100`, `… in the Go host`. */
export function timingLabel(load: { timing: TimingMode; driver?: 'harness' | 'go-host' }): string {
  const mode = load.timing.mode === 'per-call' ? 'per call' : `${load.timing.mode} ×${load.timing.size}`;
  return load.driver === 'go-host' ? `${mode}, in the Go host` : mode;
}

/** Why a lane has no figures, in one line: `errored (incompatible) at its open step: …`. */
export function erroredLabel(lane: ErroredLane): string {
  return `errored (${lane.failure.kind}) at its ${lane.failure.step} step: ${lane.failure.message}`;
}

/** A gate row's value in its metric's unit: `12.3 µs`, `+4.1%`, `n/a` where nothing was measured. */
export function formatGateValue(g: Pick<GateResult, 'metric' | 'value'>): string {
  if (g.value === null) return 'n/a';
  if (g.metric.startsWith('latency')) return formatNs(g.value);
  if (g.metric.startsWith('regression')) return `${g.value >= 0 ? '+' : ''}${(g.value * 100).toFixed(1)}%`;
  return String(Number(g.value.toPrecision(4)));
}
