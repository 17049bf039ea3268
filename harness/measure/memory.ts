import type { LaneMemory } from '../lanes/lane.ts';
import { mallocInUseBytes } from '../lanes/native-memory.ts';

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
}

/** Takes a memory sample of the harness and of a lane's instance. */
export async function sampleMemory(tMs: number, calls: number, lane: { memory(): Promise<LaneMemory> }): Promise<MemorySample> {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { tMs, calls, rssBytes: rss, heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, externalBytes: external, arrayBuffersBytes: arrayBuffers, mallocBytes: mallocInUseBytes(), ...(await lane.memory()) };
}

/**
 * The memory that belongs to the plugin: its linear memory (wasm), else what its child
 * process holds from malloc, else what the harness holds from malloc less JS array buffers (a
 * native plugin in the harness). RSS would show the JS heap's growth as the plugin's.
 */
export function pluginBytes(sample: MemorySample): number {
  return sample.wasmMemoryBytes ?? sample.childMallocBytes ?? sample.mallocBytes - sample.arrayBuffersBytes;
}

/**
 * Bytes of plugin memory gained per call in steady state: a least-squares slope over the
 * second half of the samples (the first half absorbs warm-up growth). 0 with fewer than
 * four samples or no calls between them.
 */
export function slopeBytesPerCall(samples: readonly MemorySample[]): number {
  const steady = samples.slice(Math.floor(samples.length / 2));
  if (steady.length < 2) return 0;
  const n = steady.length;
  const meanX = steady.reduce((s, p) => s + p.calls, 0) / n;
  const meanY = steady.reduce((s, p) => s + pluginBytes(p), 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of steady) {
    covariance += (p.calls - meanX) * (pluginBytes(p) - meanY);
    variance += (p.calls - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}
