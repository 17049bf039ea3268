import { Bench } from 'tinybench';
import type { TrustedKey } from '../contract/keys.ts';
import { openLane } from '../isolation/open-lane.ts';
import { type LaneId, laneName } from '../lanes/lane.ts';
import { makeInput } from './inputs.ts';
import { targetOf } from './target.ts';

/** What one crossing costs on one lane at one payload size (tinybench, closed loop, one caller). */
export interface BoundaryCost {
  lane: string;
  sizeBytes: number;
  /** Mean ns per `echo` call, round trip, as tinybench timed it (per call, `performance.now`). */
  meanNs: number;
  p50Ns: number;
  p99Ns: number;
  /** Relative margin of error of the mean, in %. */
  rmePercent: number;
  samples: number;
  /** (mean at this size − mean at the smallest size) / extra bytes. */
  nsPerByte?: number;
}

/** Payload sizes of the boundary table. @default 0 B, 1 KiB, 64 KiB, 1 MiB */
export const BOUNDARY_SIZES = [0, 1024, 64 * 1024, 1024 * 1024];

/**
 * Times `echo` of each size on each lane with tinybench: the table that tells what each
 * boundary costs per call and per byte. Each (lane, size) runs `timeMs` after warm-up.
 */
export async function measureBoundaryCost(pluginDir: string, lanes: readonly LaneId[], options: { trusted: readonly TrustedKey[]; sizes?: readonly number[]; timeMs?: number; progress?: (line: string) => void }): Promise<BoundaryCost[]> {
  const sizes = options.sizes ?? BOUNDARY_SIZES;
  const rows: BoundaryCost[] = [];
  for (const id of lanes) {
    const lane = await openLane(pluginDir, id, { trusted: options.trusted });
    try {
      const target = targetOf(lane);
      const bench = new Bench({ time: options.timeMs ?? 300, warmupTime: 50 });
      for (const size of sizes) {
        const input = makeInput('bytes', size);
        if (target.sync) bench.add(String(size), () => void target.call('echo', input));
        else bench.add(String(size), async () => void (await target.call('echo', input)));
      }
      await bench.run();
      const laneRows = bench.tasks.map((task) => {
        const result = task.result as { latency?: { mean: number; p50?: number; p99?: number; rme: number; samplesCount?: number; samples?: number[] } };
        const latency = result.latency!;
        return { lane: laneName(id), sizeBytes: Number(task.name), meanNs: latency.mean * 1e6, p50Ns: (latency.p50 ?? latency.mean) * 1e6, p99Ns: (latency.p99 ?? latency.mean) * 1e6, rmePercent: latency.rme, samples: latency.samplesCount ?? latency.samples?.length ?? 0 };
      });
      const base = laneRows[0]!;
      for (const row of laneRows) rows.push(row.sizeBytes > base.sizeBytes ? { ...row, nsPerByte: (row.meanNs - base.meanNs) / (row.sizeBytes - base.sizeBytes) } : row);
      options.progress?.(`${laneName(id)}: ${laneRows.map((r) => `${r.sizeBytes} B ${r.meanNs.toFixed(0)} ns`).join(', ')}`);
    } finally {
      await lane.close();
    }
  }
  return rows;
}
