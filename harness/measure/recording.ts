import type { CallFailure, CallOutcome, FailureKind } from '../contract/errors.ts';
import { LatencyHistogram } from './latency.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';

/** The first few failures of each kind, kept verbatim. */
export const FAILURE_SAMPLES_PER_KIND = CONTRACT_TIMING.failureSamplesPerKind;

export interface FailureSample {
  kind: FailureKind;
  code?: string;
  message: string;
}

/** Everything measured on one lane in one run. Owns wasm-backed histograms: `destroy()` them. */
export class LaneRecording {
  /** Open loop: from each call's intended start; closed loop: from its actual start. */
  readonly latency = LatencyHistogram.create();
  /** Open loop only: from each call's actual start, as tools without correction report. */
  readonly uncorrected: LatencyHistogram | undefined;
  /** Isolated lanes: time inside the worker or child, the plugin's own cost. */
  readonly inner = LatencyHistogram.create();
  readonly errors: Partial<Record<FailureKind, number>> = {};
  readonly failureSamples: FailureSample[] = [];
  calls = 0;
  late = 0;
  dropped = 0;

  constructor(openLoop: boolean) {
    this.uncorrected = openLoop ? LatencyHistogram.create() : undefined;
  }

  recordOutcome(outcome: CallOutcome, count = 1): void {
    this.calls += count;
    if (!outcome.ok) this.recordFailure(outcome.failure, count);
  }

  recordFailure(failure: CallFailure, count = 1): void {
    this.errors[failure.kind] = (this.errors[failure.kind] ?? 0) + count;
    this.keepSample(failure);
  }

  /** Keeps the failure verbatim if fewer than FAILURE_SAMPLES_PER_KIND of its kind are kept. */
  keepSample(failure: CallFailure): void {
    if (this.failureSamples.filter((s) => s.kind === failure.kind).length < FAILURE_SAMPLES_PER_KIND) {
      this.failureSamples.push({
        kind: failure.kind,
        ...(failure.kind === 'plugin' ? { code: failure.code } : {}),
        message: failure.message,
      });
    }
  }

  destroy(): void {
    this.latency.destroy();
    this.uncorrected?.destroy();
    this.inner.destroy();
  }
}
