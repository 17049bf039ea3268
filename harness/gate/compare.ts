import type { TrustedKey } from '../contract/keys.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { openLane } from '../isolation/open-lane.ts';
import type { Lane, LaneId } from '../lanes/lane.ts';
import { closedLoop } from '../load/closed-loop.ts';
import { canRunLoad, hostLoad } from '../load/host-load.ts';
import type { RunBound } from '../load/model.ts';
import { cycle, inputPool } from '../load/inputs.ts';
import type { InputSpec } from '../load/inputs.ts';
import { targetOf } from '../load/target.ts';
import { hrClock } from '../measure/clock.ts';
import { LaneRecording } from '../measure/recording.ts';
import { judgeChange, pairedRelativeChange, type RelativeChange } from './statistics.ts';

export interface CompareOptions {
  baseDir: string;
  headDir: string;
  op: string;
  lane: LaneId;
  trusted: readonly TrustedKey[];
  /** Quotas and grants both sides are loaded under. @default DEFAULT_POLICY */
  policy?: HostPolicy;
  /** Rounds of base-then-head (alternating which goes first). @default 12 */
  rounds?: number;
  /** Time each side runs per round, after the first warm-up round. @default 250 */
  roundMs?: number;
  /** Regression threshold on the p50, as a ratio. @default 0.1 (10 %) */
  threshold?: number;
  input?: InputSpec;
  progress?: (line: string) => void;
}

export interface CompareResult {
  rounds: number;
  baseP50Ns: number[];
  headP50Ns: number[];
  change: RelativeChange;
  threshold: number;
  status: 'pass' | 'warn' | 'fail';
}

/** Calls per block: short blocks, so both sides of a round see the same machine. */
const BLOCK_MS = 5;

/** Inputs of one comparison: the pool, and a cursor over it for the harness's loops. */
interface Inputs {
  pool: Uint8Array[];
  next: () => Uint8Array;
}

/** Calls on one side, closed loop: in the lane's own host where it runs loads (`@go`), else from the harness. */
async function calls(lane: Lane, op: string, inputs: Inputs, bound: RunBound, recording: LaneRecording): Promise<void> {
  if (canRunLoad(lane)) await hostLoad([lane], op, inputs.pool, { model: 'closed' }, bound, recording, {});
  else await closedLoop([targetOf(lane)], op, inputs.next, { bound, clock: hrClock }, recording);
}

async function measureCallNs(lane: Lane, op: string, inputs: Inputs): Promise<number> {
  const recording = new LaneRecording(false);
  try {
    await calls(lane, op, inputs, { durationMs: 50 }, recording);
    return recording.latency.percentileNs(50);
  } finally {
    recording.destroy();
  }
}

/** One round: base and head alternate in blocks of a few ms; returns each side's p50. */
async function round(sides: [Lane, Lane], op: string, inputs: Inputs, roundMs: number, blockCalls: number, headFirst: boolean): Promise<[number, number]> {
  const recordings = [new LaneRecording(false), new LaneRecording(false)] as const;
  try {
    const end = performance.now() + roundMs;
    for (let block = 0; performance.now() < end; block++) {
      const which = (block + (headFirst ? 1 : 0)) % 2;
      await calls(sides[which]!, op, inputs, { calls: blockCalls }, recordings[which]!);
    }
    return [recordings[0].latency.percentileNs(50), recordings[1].latency.percentileNs(50)];
  } finally {
    for (const r of recordings) r.destroy();
  }
}

/**
 * Interleaved A/B: base and head run alternately in one process, in blocks of a few
 * milliseconds, so both sides of every round see the same machine state; the verdict
 * comes from the paired per-round p50 ratios.
 */
export async function compareInterleaved(options: CompareOptions): Promise<CompareResult> {
  const rounds = options.rounds ?? 12;
  const roundMs = options.roundMs ?? 250;
  const threshold = options.threshold ?? 0.1;
  const laneOptions = { trusted: options.trusted, ...(options.policy ? { policy: options.policy } : {}) };
  const base = await openLane(options.baseDir, options.lane, laneOptions);
  const head = await openLane(options.headDir, options.lane, laneOptions);
  try {
    const kind = base.manifest.ops.find((o) => o.name === options.op)?.input ?? 'bytes';
    const pool = inputPool(kind, options.input ?? { sizeBytes: 4096 });
    const inputs = { pool, next: cycle(pool) };
    const callNs = Math.max(await measureCallNs(base, options.op, inputs), await measureCallNs(head, options.op, inputs));
    const blockCalls = Math.max(1, Math.round((BLOCK_MS * 1e6) / Math.max(callNs, 1)));
    const baseP50Ns: number[] = [];
    const headP50Ns: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const [b, h] = await round([base, head], options.op, inputs, roundMs, blockCalls, i % 2 === 1);
      baseP50Ns.push(b);
      headP50Ns.push(h);
      options.progress?.(`round ${i + 1}/${rounds}: base p50 ${b} ns, head p50 ${h} ns`);
    }
    const change = pairedRelativeChange(baseP50Ns, headP50Ns);
    return { rounds, baseP50Ns, headP50Ns, change, threshold, status: judgeChange(change, threshold) };
  } finally {
    await base.close();
    await head.close();
  }
}
