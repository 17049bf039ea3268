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

async function roundP50(lane: Lane, op: string, next: () => Uint8Array, roundMs: number): Promise<number> {
  const recording = new LaneRecording(false);
  try {
    await closedLoop([targetOf(lane)], op, next, { bound: { durationMs: roundMs }, clock: hrClock }, recording);
    return recording.latency.percentileNs(50);
  } finally {
    recording.destroy();
  }
}

/**
 * Interleaved A/B: base and head run alternately in one process (ABBA…), so both sides see
 * the same machine state; the verdict comes from the paired per-round p50 ratios.
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
    await roundP50(base, options.op, next, roundMs);
    await roundP50(head, options.op, next, roundMs);
    const baseP50Ns: number[] = [];
    const headP50Ns: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? [base, head] : [head, base];
      const [first, second] = [await roundP50(order[0]!, options.op, next, roundMs), await roundP50(order[1]!, options.op, next, roundMs)];
      baseP50Ns.push(order[0] === base ? first : second);
      headP50Ns.push(order[0] === base ? second : first);
      options.progress?.(`round ${i + 1}/${rounds}: base p50 ${baseP50Ns.at(-1)} ns, head p50 ${headP50Ns.at(-1)} ns`);
    }
    const change = pairedRelativeChange(baseP50Ns, headP50Ns);
    return { rounds, baseP50Ns, headP50Ns, change, threshold, status: judgeChange(change, threshold) };
  } finally {
    await base.close();
    await head.close();
  }
}
