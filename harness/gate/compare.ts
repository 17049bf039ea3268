import type { TrustedKey } from '../contract/keys.ts';
import { openLane } from '../isolation/open-lane.ts';
import type { Lane, LaneId } from '../lanes/lane.ts';
import { closedLoop } from '../load/closed-loop.ts';
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

async function measureCallNs(lane: Lane, op: string, next: () => Uint8Array): Promise<number> {
  const recording = new LaneRecording(false);
  try {
    await closedLoop([targetOf(lane)], op, next, { bound: { durationMs: 50 }, clock: hrClock }, recording);
    return recording.latency.percentileNs(50);
  } finally {
    recording.destroy();
  }
}

/** One round: base and head alternate in blocks of a few ms; returns each side's p50. */
async function round(sides: [Lane, Lane], op: string, next: () => Uint8Array, roundMs: number, blockCalls: number, headFirst: boolean): Promise<[number, number]> {
  const recordings = [new LaneRecording(false), new LaneRecording(false)] as const;
  try {
    const end = performance.now() + roundMs;
    for (let block = 0; performance.now() < end; block++) {
      const which = (block + (headFirst ? 1 : 0)) % 2;
      await closedLoop([targetOf(sides[which]!)], op, next, { bound: { calls: blockCalls }, clock: hrClock }, recordings[which]!);
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
  const base = await openLane(options.baseDir, options.lane, { trusted: options.trusted });
  const head = await openLane(options.headDir, options.lane, { trusted: options.trusted });
  try {
    const kind = base.manifest.ops.find((o) => o.name === options.op)?.input ?? 'bytes';
    const next = cycle(inputPool(kind, options.input ?? { sizeBytes: 4096 }));
    const callNs = Math.max(await measureCallNs(base, options.op, next), await measureCallNs(head, options.op, next));
    const blockCalls = Math.max(1, Math.round((BLOCK_MS * 1e6) / callNs));
    const baseP50Ns: number[] = [];
    const headP50Ns: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const [b, h] = await round([base, head], options.op, next, roundMs, blockCalls, i % 2 === 1);
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
