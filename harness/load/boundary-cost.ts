import type { BoundaryCost } from '../report/results.ts';
import { Bench } from 'tinybench';
import { lanesForPlugin } from '../lanes/lanes-for-plugin.ts';
import type { InputKind } from '../contract/manifest.ts';
import type { TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { openLane } from '../lanes/open-lane.ts';
import { type Lane, type LaneId, laneName } from '../isolations/lane.ts';
import { hrClock } from '../measure/clock.ts';
import { LaneRecording } from '../measure/recording.ts';
import { type HostLoadLane, canRunLoad } from '../isolations/host-load-lane.ts';
import { hostLoad } from './host-load.ts';
import { makeInput } from './inputs.ts';
import { targetOf } from './target.ts';

/** Warm-up before each size is timed, in ms (tinybench's, or the host's own loop). */
const WARMUP_MS = 50;

/** Payload sizes of the boundary table, in bytes: 0 B, 1 KiB, 64 KiB, 1 MiB. */
export const BOUNDARY_SIZES = [0, 1024, 64 * 1024, 1024 * 1024];

/**
 * Times `echo` of each size on each lane: the table that tells what each boundary costs per
 * call and per byte. Each (lane, size) runs `timeMs` after warm-up, with tinybench from the
 * harness, or in the lane's own host where it can run a load (`@go`).
 */
export async function measureBoundaryCost(
  pluginDir: string,
  lanes: readonly LaneId[],
  options: {
    trusted: readonly TrustedKey[];
    policy?: HostPolicy;
    sizes?: readonly number[];
    timeMs?: number;
    progress?: (line: string) => void;
  },
): Promise<BoundaryCost[]> {
  const sizes = options.sizes ?? BOUNDARY_SIZES;
  const rows: BoundaryCost[] = [];
  for (const id of lanesForPlugin(pluginDir, lanes, options.progress)) {
    const lane = await openLane(pluginDir, id, {
      trusted: options.trusted,
      ...(options.policy ? { policy: options.policy } : {}),
    });
    try {
      const laneRows = await measureLaneCost(lane, sizes, options.timeMs ?? 300);
      rows.push(...laneRows);
      options.progress?.(
        `${laneName(id)}: ${laneRows.map((r) => `${r.sizeBytes} B ${r.meanNs.toFixed(0)} ns`).join(', ')}`,
      );
    } finally {
      await lane.close();
    }
  }
  return rows;
}

/** What an op costs on one lane at each input size (`echo` of bytes by default), with ns per extra byte. */
export async function measureLaneCost(
  lane: Lane,
  sizes: readonly number[],
  timeMs: number,
  work: { op: string; input: InputKind } = { op: 'echo', input: 'bytes' },
): Promise<BoundaryCost[]> {
  const rows = canRunLoad(lane)
    ? await hostLoopCosts(lane, sizes, timeMs, work)
    : await tinybenchCosts(lane, sizes, timeMs, work);
  const base = rows[0]!;
  return rows.map((row) =>
    row.sizeBytes > base.sizeBytes
      ? { ...row, nsPerByte: (row.meanNs - base.meanNs) / (row.sizeBytes - base.sizeBytes) }
      : row,
  );
}

async function tinybenchCosts(
  lane: Lane,
  sizes: readonly number[],
  timeMs: number,
  work: { op: string; input: InputKind },
): Promise<BoundaryCost[]> {
  const target = targetOf(lane);
  const bench = new Bench({ time: timeMs, warmupTime: WARMUP_MS });
  for (const size of sizes) {
    const input = makeInput(work.input, size);
    if (target.sync) bench.add(String(size), () => void target.call(work.op, input));
    else bench.add(String(size), async () => void (await target.call(work.op, input)));
  }
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result as {
      latency?: { mean: number; p50?: number; p99?: number; rme: number; samplesCount?: number; samples?: number[] };
    };
    const latency = result.latency!;
    return {
      lane: lane.name,
      sizeBytes: Number(task.name),
      timedBy: 'tinybench',
      meanNs: latency.mean * 1e6,
      p50Ns: (latency.p50 ?? latency.mean) * 1e6,
      p99Ns: (latency.p99 ?? latency.mean) * 1e6,
      rmePercent: latency.rme,
      samples: latency.samplesCount ?? latency.samples?.length ?? 0,
    };
  });
}

/** The host's own closed loop, one caller, after a warm-up: no crossing back to the harness per call. */
async function hostLoopCosts(
  lane: HostLoadLane,
  sizes: readonly number[],
  timeMs: number,
  work: { op: string; input: InputKind },
): Promise<BoundaryCost[]> {
  const rows: BoundaryCost[] = [];
  for (const size of sizes) {
    const inputs = [makeInput(work.input, size)];
    const warmup = new LaneRecording(false);
    const recording = new LaneRecording(false);
    try {
      await hostLoad([lane], work.op, inputs, { model: 'closed' }, { durationMs: WARMUP_MS }, warmup, {
        clock: hrClock,
      });
      const { timing } = await hostLoad(
        [lane],
        work.op,
        inputs,
        { model: 'closed' },
        { durationMs: timeMs },
        recording,
        { clock: hrClock },
      );
      const { mean, p50, p99, count } = recording.latency.summary();
      // 95 % margin of the mean, as tinybench's rme; over batch means when batched.
      const samples = timing.mode === 'batched' ? count / timing.size : count;
      rows.push({
        lane: lane.name,
        sizeBytes: size,
        timedBy: `go-host ${timing.mode === 'batched' ? `batched ×${timing.size}` : 'per-call'}`,
        meanNs: mean,
        p50Ns: p50,
        p99Ns: p99,
        rmePercent:
          mean === 0 ? 0 : (100 * 1.96 * recording.latency.stdDevNs()) / Math.sqrt(Math.max(1, samples)) / mean,
        samples: Math.round(samples),
      });
    } finally {
      warmup.destroy();
      recording.destroy();
    }
  }
  return rows;
}
