import * as hdr from 'hdr-histogram-js';
import { CONTRACT_TIMING } from '../contract/generated.ts';

let wasmReady: Promise<void> | undefined;

/** Loads hdr-histogram-js's WebAssembly backend once (recording costs ~13 ns there, ~62 ns in JS). */
export function initHistograms(): Promise<void> {
  wasmReady ??= hdr.initWebAssembly();
  return wasmReady;
}

/** Percentiles of a latency histogram, in ns. */
export interface LatencySummary {
  unit: 'ns';
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  count: number;
}

/**
 * An HDR histogram of latencies in nanoseconds (CONTRACT_TIMING.significantDigits, auto-resizing).
 * It holds wasm memory once histograms are initialised: call `destroy()` when done.
 */
export class LatencyHistogram {
  private constructor(private readonly histogram: hdr.Histogram) {}

  /** A new empty histogram; wasm-backed after `initHistograms()` resolved, JS otherwise. */
  static create(): LatencyHistogram {
    return new LatencyHistogram(
      hdr.build({
        useWebAssembly: wasmReady !== undefined,
        numberOfSignificantValueDigits: CONTRACT_TIMING.significantDigits,
      }),
    );
  }

  /** Decodes what `encode()` wrote; the encoding round-trips every count exactly. */
  static decode(encoded: string): LatencyHistogram {
    const histogram = hdr.decodeFromCompressedBase64(encoded, 32, wasmReady !== undefined);
    // A decoded histogram keeps the encoder's range; merging a shard with a larger max must widen it.
    histogram.autoResize = true;
    return new LatencyHistogram(histogram);
  }

  recordNs(ns: number): void {
    this.histogram.recordValue(Math.max(0, Math.round(ns)));
  }

  recordNsTimes(ns: number, count: number): void {
    this.histogram.recordValueWithCount(Math.max(0, Math.round(ns)), count);
  }

  /** Adds another histogram's counts: the only correct way to merge percentiles. */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Standard deviation of the recorded values, in ns. */
  stdDevNs(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.stdDeviation;
  }

  percentileNs(percentile: number): number {
    return this.histogram.getValueAtPercentile(percentile);
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const at = (p: number) => (h.totalCount === 0 ? 0 : h.getValueAtPercentile(p));
    // max at HDR resolution, like the percentiles, so a decoded histogram reports the same figure.
    return {
      unit: 'ns',
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: at(100),
      mean: h.totalCount === 0 ? 0 : h.mean,
      count: h.totalCount,
    };
  }

  /** Compressed base64 (HdrHistogram's V2 encoding), as results.json stores it. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  /** Percentile curve points for plots: [percentile, ns]. */
  distribution(): Array<[number, number]> {
    const points: Array<[number, number]> = [];
    for (const p of [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100])
      points.push([p, this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(p)]);
    return points;
  }

  destroy(): void {
    this.histogram.destroy();
  }
}
