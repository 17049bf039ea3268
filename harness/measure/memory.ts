import type { Lane, LaneMemory } from '../isolations/lane.ts';
import { mallocInUseBytes } from '../engines/native-memory.ts';

/** One point of a memory curve, over time and over calls. */
export interface MemorySample {
  tMs: number;
  calls: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Memory V8 has committed for its heap (part of RSS whether used or not). */
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  wasmMemoryBytes?: number;
  childRssBytes?: number;
  childMallocBytes?: number;
  /** The Go host's heap (`@go` lanes). */
  childGoHeapBytes?: number;
  /** Bytes the harness holds from malloc (glibc), where a native plugin in the harness allocates. */
  mallocBytes: number;
  /**
   * Replacements of the lane's instances (worker, process or Go host) before this sample:
   * samples with the same count belong to one instance lifetime. @default 0
   */
  replacements?: number;
}

/** The memory of several lanes' instances added up (callers on workers, processes or hosts of their own). */
export function addLaneMemory(parts: readonly LaneMemory[]): LaneMemory {
  const total: Record<string, number> = {};
  for (const part of parts) {
    for (const [field, bytes] of Object.entries(part))
      if (bytes !== undefined) total[field] = (total[field] ?? 0) + bytes;
  }
  return total as LaneMemory;
}

/** The lanes' memory and how many replacements of their instances came before it. */
export type MemoryReading = LaneMemory & { replacements: number };

/**
 * Takes a memory sample of the harness and of the lanes' instances: `known` when a host sent
 * it with its calls, else asked of each lane. Replacements are counted after the answer, so a
 * sample from a new instance never counts as the old one's.
 */
export async function sampleMemory(
  tMs: number,
  calls: number,
  lanes: readonly Lane[],
  known?: MemoryReading,
): Promise<MemorySample> {
  const reading = known ?? {
    ...addLaneMemory(await Promise.all(lanes.map((l) => l.memory()))),
    replacements: lanes.reduce((sum, l) => sum + l.recycles.length, 0),
  };
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return {
    tMs,
    calls,
    rssBytes: rss,
    heapUsedBytes: heapUsed,
    heapTotalBytes: heapTotal,
    externalBytes: external,
    arrayBuffersBytes: arrayBuffers,
    mallocBytes: mallocInUseBytes(),
    ...reading,
  };
}

/**
 * The memory that belongs to the plugin: its linear memory (wasm), else what its child
 * process holds from malloc, else what the harness holds from malloc less JS array buffers (a
 * native plugin in the harness). RSS would show the JS heap's growth as the plugin's.
 */
export function pluginBytes(sample: MemorySample): number {
  return sample.wasmMemoryBytes ?? sample.childMallocBytes ?? sample.mallocBytes - sample.arrayBuffersBytes;
}

/** Memory samples a run aims for, by time and by calls, so even a short run has a curve. */
export const MEMORY_SAMPLES_PER_RUN = 40;

/** Samples from which an instance's lifetime gives its first half to warm-up and fits the rest. */
export const WARM_LIFETIME_SAMPLES = 6;

/** Fewest samples, over all lifetimes, that make a slope. */
export const MIN_SLOPE_SAMPLES = 4;

/** What the slope says: bytes per call, or null and why there is no figure. */
export interface MemorySlope {
  slopeBytesPerCall: number | null;
  /** Why the slope is null: always starts with "not enough samples". */
  slopeReason?: string;
}

/** Consecutive samples of one instance: between two replacements of the lane's instance. */
function lifetimes(samples: readonly MemorySample[]): MemorySample[][] {
  const runs: MemorySample[][] = [];
  for (const sample of samples) {
    const last = runs.at(-1);
    if (last && (last[0]!.replacements ?? 0) === (sample.replacements ?? 0)) last.push(sample);
    else runs.push([sample]);
  }
  return runs;
}

/** Least-squares slope of plugin bytes over calls; undefined when the calls do not vary. */
function fit(points: readonly MemorySample[]): number | undefined {
  const n = points.length;
  const meanX = points.reduce((s, p) => s + p.calls, 0) / n;
  const meanY = points.reduce((s, p) => s + pluginBytes(p), 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.calls - meanX) * (pluginBytes(p) - meanY);
    variance += (p.calls - meanX) ** 2;
  }
  return variance === 0 ? undefined : covariance / variance;
}

/**
 * Bytes of plugin memory gained per call in steady state. Each instance lifetime (the samples
 * between two replacements: a replacement drops memory back, which a fit across it would read
 * as a shrinking plugin) is fitted on its own, on its second half when it has
 * WARM_LIFETIME_SAMPLES or more (the first absorbs warm-up growth), else whole; the lifetimes
 * are combined weighted by the calls they span. With fewer than MIN_SLOPE_SAMPLES fitted
 * samples, the slope is null with the reason: a figure that was not measured is never shown.
 */
export function memorySlope(samples: readonly MemorySample[]): MemorySlope {
  let weighted = 0;
  let spanned = 0;
  let fitted = 0;
  const all = lifetimes(samples);
  for (const lifetime of all) {
    const steady =
      lifetime.length >= WARM_LIFETIME_SAMPLES ? lifetime.slice(Math.floor(lifetime.length / 2)) : lifetime;
    const slope = steady.length >= 2 ? fit(steady) : undefined;
    if (slope === undefined) continue;
    const calls = steady.at(-1)!.calls - steady[0]!.calls;
    weighted += slope * calls;
    spanned += calls;
    fitted += steady.length;
  }
  if (spanned > 0 && fitted >= MIN_SLOPE_SAMPLES) return { slopeBytesPerCall: weighted / spanned };
  const calls = samples.length === 0 ? 0 : samples.at(-1)!.calls - samples[0]!.calls;
  const replaced =
    all.length > 1
      ? ` split by ${all.length - 1} replacements of the instance into lifetimes that left ${fitted} to fit`
      : '';
  const why = `${samples.length} memory samples over ${calls} calls${replaced}, and a slope needs ${MIN_SLOPE_SAMPLES}`;
  return {
    slopeBytesPerCall: null,
    slopeReason: `not enough samples: ${why}; measure more calls or a longer duration`,
  };
}
