import { type CallFailure, UsageError } from '../contract/errors.ts';
import type { TrustedKey } from '../contract/keys.ts';
import { DEFAULT_POLICY, type HostPolicy } from '../contract/policy.ts';
import { sharedCpu } from '../isolations/cpu-pin.ts';
import { openLane } from '../lanes/open-lane.ts';
import {
  canBatch,
  canHoldBeside,
  canReload,
  type HoldingLane,
  type Lane,
  type LaneId,
  type ReloadingLane,
} from '../isolations/lane.ts';
import { closedLoop } from '../load/closed-loop.ts';
import { hostLoad } from '../load/host-load.ts';
import { type RunBound, canRunLoad } from '../isolations/host-load-lane.ts';
import { cycle, inputPool } from '../load/inputs.ts';
import type { InputSpec } from '../load/inputs.ts';
import { targetOf } from '../load/target.ts';
import { hrClock } from '../measure/clock.ts';
import { LaneRecording } from '../measure/recording.ts';
import { LatencyHistogram } from '../measure/latency.ts';
import {
  anytimeChange,
  fixedChange,
  judgeChange,
  type RelativeChange,
  sequentialState,
  sequentialVerdict,
} from './statistics.ts';

/**
 * What a comparison judges: `inner`, the plugin's own time (timed inside the worker, child or
 * Go host; on `@inproc` the call itself), or `roundtrip`, the harness's request to its answer.
 */
export type CompareMetric = 'inner' | 'roundtrip';

/** Defaults of a comparison, written once (the CLI shows them). */
export const COMPARE_DEFAULTS = {
  roundMs: 250,
  threshold: 0.1,
  maxTimeMs: 60_000,
  metric: 'inner' as CompareMetric,
  inputSizeBytes: 4096,
};

export interface CompareOptions {
  baseDir: string;
  headDir: string;
  op: string;
  lane: LaneId;
  trusted: readonly TrustedKey[];
  /** Quotas and grants both sides are loaded under. @default DEFAULT_POLICY */
  policy?: HostPolicy;
  /**
   * Exactly this many rounds, judged with a fixed-sample t interval. @default undefined: rounds
   * are added until the confidence sequence decides, or `maxTimeMs` runs out
   */
  rounds?: number;
  /**
   * Budget of a sequential comparison, in ms: when it runs out undecided, the verdict is `warn`.
   * @default COMPARE_DEFAULTS.maxTimeMs
   */
  maxTimeMs?: number;
  /** Length of a round (both sides, in alternating blocks), in ms. @default COMPARE_DEFAULTS.roundMs */
  roundMs?: number;
  /** Regression threshold on the blocks' BLOCK_PERCENTILE, as a ratio. @default COMPARE_DEFAULTS.threshold */
  threshold?: number;
  /**
   * The figure that decides; the other is reported beside it where the lane measures both.
   * @default COMPARE_DEFAULTS.metric
   */
  metric?: CompareMetric;
  /** JSON objects passed to each side's `init`. @default "{}" */
  baseConfig?: string;
  headConfig?: string;
  /** @default COMPARE_DEFAULTS.inputSizeBytes bytes */
  input?: InputSpec;
  progress?: (line: string) => void;
}

/** The change the other figure shows over the same rounds. */
export interface CompareSeries {
  metric: CompareMetric;
  change: RelativeChange;
}

export type Hosts = 'harness' | 'one' | 'swapped' | 'own';

/** Why a comparison stopped sampling: a fixed count, a decision, a precise enough interval, or its budget. */
export type StoppedBy = 'rounds' | 'fail' | 'pass' | 'precise' | 'budget';

export interface CompareResult {
  rounds: number;
  /** Each side's p50 of each round, of the figure that decided (`decidedBy`). */
  baseP50Ns: number[];
  headP50Ns: number[];
  /** Each round's value: the median over its block pairs of ln(head p10 / base p10) (BLOCK_PERCENTILE). */
  logRatios: number[];
  change: RelativeChange;
  threshold: number;
  status: 'pass' | 'warn' | 'fail';
  decidedBy: CompareMetric;
  /** Where the figure was timed, for the output: `inside the worker`, `in the Go host`, … */
  timedWhere: string;
  /** The other figure, where this lane measured it. */
  beside?: CompareSeries;
  /** `confidence sequence` (valid at every round, for sequential stopping) or `t interval` (fixed rounds). */
  interval: 'confidence sequence' | 't interval';
  stoppedBy: StoppedBy;
  /**
   * `@worker`, `@process`, `@go`: the CPU both sides' plugins ran on, so that each pair of blocks
   * ran on one CPU at one speed (see `compareInterleaved`); undefined where they ran on any.
   */
  sharedCpu?: number;
  /**
   * Whether every round loaded both sides' native images afresh (new lanes, or new instances in
   * their worker or child), so that their code's placement is noise, not bias.
   */
  freshImagesEachRound: boolean;
  /**
   * Where the sides ran (`relayoutOf`): `harness`, in its thread; `one`, both in one Go host;
   * `swapped`, each in a worker or child of its own, swapped every round and judged over pairs
   * of rounds; `own`, each in a worker or child of its own for the whole comparison.
   */
  hosts: Hosts;
  elapsedMs: number;
}

/**
 * A call of the compared op failed on head, where base's succeeded: head regressed beyond any
 * threshold. (A failure on base is the user's to fix: a `UsageError`.)
 */
export class HeadFailed extends Error {
  constructor(
    readonly failure: Failure,
    message: string,
  ) {
    super(message);
    this.name = 'HeadFailed';
  }
}

const SIDE_NAMES = ['base', 'head'] as const;

type Failure = Pick<CallFailure, 'kind' | 'message'>;

/** Ends the comparison: it times an op that succeeds, and a failed call is no time of it. */
function sideFailed(which: number, failure: Failure, where: string): never {
  const side = SIDE_NAMES[which]!;
  const what = `${side}'s call ${where} failed (${failure.kind}): ${failure.message}`;
  if (side === 'head') throw new HeadFailed(failure, `${what}; base's succeeds, so head regressed`);
  throw new UsageError(
    `${what}. compare times an op that succeeds on both sides: pick another op, input size or config`,
  );
}

/**
 * Calls each side once with every input before anything is timed, each held to `stallMs`
 * where the lane can stop a call: an op that fails or hangs on these inputs is reported as
 * such, instead of its failures being timed (or compare hanging). The slowest call sets
 * `plan.callNs` until it is measured. On `@inproc` and `native@worker` nothing can stop a call that hangs.
 */
async function probe(sides: Sides, plan: Plan): Promise<void> {
  for (const [which, side] of sides.entries())
    for (const [i, input] of plan.inputs.pool.entries()) {
      const held = side.deadline.enforced ? { deadlineMs: plan.stallMs } : {};
      const { outcome, roundTripNs } = await side.call(plan.op, input, held);
      plan.callNs = Math.max(plan.callNs, roundTripNs);
      if (!outcome.ok)
        sideFailed(which, outcome.failure, `of \`${plan.op}\` with input ${i + 1} of ${plan.inputs.pool.length}`);
    }
}

/** Length of a block: short, so both blocks of a pair see the same machine. */
const BLOCK_MS = 5;

/** Fewest calls in a block, so its p10 is not one lucky call (slow ops get longer blocks). */
const MIN_BLOCK_CALLS = 32;

/** Fewest block pairs in a round, so its median ratio has some to choose from. */
const MIN_PAIRS = 5;

/**
 * The percentile of a block's calls that stands for it: the 10th, its speed when no neighbour
 * got in the way. A neighbour only ever adds time, so the low percentiles move less with the
 * machine's load (measured on a 2-core machine under a load of 18, A/A spread per round:
 * 0.4–0.5 % with p10, 0.8 % with p50; a real change moves them alike).
 */
export const BLOCK_PERCENTILE = 10;

/** Inputs of one comparison: the pool, and a cursor over it for the harness's loops. */
interface Inputs {
  pool: Uint8Array[];
  next: () => Uint8Array;
}

/**
 * How a side's calls are timed: `sync`, on the harness's thread (`@inproc`: the call is its own
 * round trip); `host`, by the Go host's own load loop; `paired`, by a Go host that holds both
 * sides and alternates their calls one by one (`callPaired`), a pair of blocks in one request
 * (both warm up and are sized by its load loop, as `host`): native@go A/A, 40 rounds, per-round
 * spread 0.40–0.59 % against 2.2–2.7 % with blocks of 5 ms taken in turn, intervals
 * ±0.12–0.18 % against ±0.68–0.84 % (and ±0.57–1.17 % with a host per side, swapped); `batch`, a
 * block's calls sent in one crossing and timed one by one inside the worker or child, plus a few
 * single crossings for the round trip beside; `crossing`, one call per crossing, timed inside and around. Inner time
 * comes from `host` or `batch`: a call alone in its crossing finds its caches cold after every
 * wake-up, which measured 30–130 µs for a 47 µs call on a loaded machine, noise that drowns 1 %.
 */
type Timing = 'sync' | 'host' | 'paired' | 'batch' | 'crossing';

function timingOf(lane: Lane, metric: CompareMetric): Timing {
  if (lane.id.isolation === 'inproc') return 'sync';
  if (metric === 'roundtrip') return 'crossing';
  if (canHoldBeside(lane)) return 'paired';
  return canRunLoad(lane) ? 'host' : canBatch(lane) ? 'batch' : 'crossing';
}

/** Single crossings per `batch` block, for the round trip reported beside the inner time. */
const ROUND_TRIPS_PER_BLOCK = 8;

const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%` : '+∞');

const WHERE: Record<string, string> = {
  inproc: "on the harness's thread",
  worker: 'inside the worker',
  process: 'inside the child process',
  go: 'inside the Go host',
};

/** What every block of one comparison shares. */
interface Plan {
  timing: Timing;
  metric: CompareMetric;
  op: string;
  inputs: Inputs;
  blockCalls: number;
  /** The slower side's p50 per call, in ns, measured before the rounds (until then, the slowest probe call). */
  callNs: number;
  /** A call that takes longer is a hang: the policy's deadline quota, the longest a plugin may ask for. */
  stallMs: number;
}

/** How long `calls` calls may take before their worker, child or host is taken for stuck, in ms. */
const stallLimitMs = (plan: Plan, calls: number) => plan.stallMs + (10 * calls * plan.callNs) / 1e6;

/**
 * Runs `bound` on side `which`, each call held to `plan.stallMs` where the lane stops calls, and
 * a batch to its `stallLimitMs`; a failed call ends the comparison (`sideFailed`).
 */
async function calls(
  sides: Sides,
  which: number,
  timing: Timing,
  plan: Plan,
  bound: RunBound,
  recording: LaneRecording,
): Promise<void> {
  const lane = sides[which]!;
  const deadline = lane.deadline.enforced ? { deadlineMs: plan.stallMs } : {};
  if ((timing === 'host' || timing === 'paired') && canRunLoad(lane)) {
    const hooks = { clock: hrClock, ...deadline };
    await hostLoad([lane], plan.op, plan.inputs.pool, { model: 'closed' }, bound, recording, hooks);
  } else {
    const crossingBatch = timing === 'batch' ? ('calls' in bound ? bound.calls : 100) : 1;
    const target =
      crossingBatch > 1 ? targetOf(lane, undefined, (n) => stallLimitMs(plan, n)) : targetOf(lane, deadline.deadlineMs);
    await closedLoop([target], plan.op, plan.inputs.next, { bound, clock: hrClock, crossingBatch }, recording);
  }
  const failure = recording.failureSamples[0];
  if (failure) sideFailed(which, failure, `of \`${plan.op}\` on ${lane.name} while comparing`);
}

/** A block's BLOCK_PERCENTILE times: the deciding figure, and the other where this timing measures it. */
interface BlockFigures {
  decide: number;
  beside?: number;
}

/** Runs one block on side `which` and adds the deciding figure's times to `total`. */
async function block(sides: Sides, which: number, plan: Plan, total: LatencyHistogram): Promise<BlockFigures> {
  const recording = new LaneRecording(false);
  const roundTrips = plan.timing === 'batch' ? new LaneRecording(false) : undefined;
  try {
    await calls(sides, which, plan.timing, plan, { calls: plan.blockCalls }, recording);
    if (roundTrips) await calls(sides, which, 'crossing', plan, { calls: ROUND_TRIPS_PER_BLOCK }, roundTrips);
    const crossing = plan.timing === 'crossing';
    const decided = crossing && plan.metric === 'inner' ? recording.inner : recording.latency;
    total.add(decided);
    const decide = decided.percentileNs(BLOCK_PERCENTILE);
    if (roundTrips) return { decide, beside: roundTrips.latency.percentileNs(BLOCK_PERCENTILE) };
    if (!crossing) return { decide };
    const other = plan.metric === 'inner' ? recording.latency : recording.inner;
    return { decide, beside: other.percentileNs(BLOCK_PERCENTILE) };
  } finally {
    recording.destroy();
    roundTrips?.destroy();
  }
}

/**
 * A pair of blocks in one request to the host that holds both sides (`paired` timing), its
 * calls alternating: each side's BLOCK_PERCENTILE, its times added to its total.
 */
async function pairedBlocks(
  host: HoldingLane,
  plan: Plan,
  totals: readonly LatencyHistogram[],
): Promise<BlockFigures[]> {
  const limitMs = stallLimitMs(plan, 2 * plan.blockCalls);
  const { innerNs, failures, ended } = await host.callPaired(plan.op, plan.inputs.pool, plan.blockCalls, limitMs);
  const where = `of \`${plan.op}\` on ${host.name} while comparing`;
  for (const [which, kept] of failures.entries()) if (kept[0]) sideFailed(which, kept[0], where);
  if (ended)
    throw new UsageError(
      `a call ${where} ended its host, on base or head (both run in it): ${ended.message}; ` +
        'compare each side alone on a lane of its own (e.g. `@process`) to tell which',
    );
  return innerNs.map((times, which) => {
    const block = LatencyHistogram.create();
    try {
      for (const ns of times) block.recordNs(ns);
      totals[which]!.add(block);
      return { decide: block.percentileNs(BLOCK_PERCENTILE) };
    } finally {
      block.destroy();
    }
  });
}

async function measureCallNs(sides: Sides, which: number, plan: Plan): Promise<number> {
  const recording = new LaneRecording(false);
  try {
    await calls(sides, which, plan.timing, plan, { durationMs: 50 }, recording);
    return recording.latency.percentileNs(50);
  } finally {
    recording.destroy();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** What one round gives: each side's p50 over the round, and the round's log ratio of each figure. */
interface RoundFigures {
  baseP50Ns: number;
  headP50Ns: number;
  logRatio: number;
  besideLogRatio?: number;
}

/**
 * One round: blocks of a few ms in pairs, one of each side back to back (which goes first
 * alternates by round). The round's log ratio is the median over its pairs of ln(head block
 * p10 / base block p10): a stall or a neighbour's burst that covers part of a round moves a few
 * pairs, not the round (measured on a loaded 2-core machine, A/A: a spread of 0.5 % per round
 * instead of 6 % with one p50 per side per round).
 */
async function round(sides: Sides, plan: Plan, roundMs: number, headFirst: boolean): Promise<RoundFigures> {
  const totals = [LatencyHistogram.create(), LatencyHistogram.create()] as const;
  const [logs, besideLogs]: [number[], number[]] = [[], []];
  try {
    const end = performance.now() + roundMs;
    while (logs.length < MIN_PAIRS || performance.now() < end) {
      let pair: BlockFigures[] = [];
      if (plan.timing === 'paired') pair = await pairedBlocks(sides[0] as HoldingLane, plan, totals);
      else
        for (const which of headFirst ? [1, 0] : [0, 1]) pair[which] = await block(sides, which, plan, totals[which]!);
      const [b, h] = [pair[0]!, pair[1]!];
      // A block that timed nothing pairs with nothing (a failed call has ended the comparison before).
      if (b.decide > 0 && h.decide > 0) logs.push(Math.log(h.decide / b.decide));
      if (b.beside && h.beside) besideLogs.push(Math.log(h.beside / b.beside));
    }
    return {
      baseP50Ns: totals[0].percentileNs(50),
      headP50Ns: totals[1].percentileNs(50),
      logRatio: median(logs),
      ...(besideLogs.length > 0 ? { besideLogRatio: median(besideLogs) } : {}),
    };
  } finally {
    for (const t of totals) t.destroy();
  }
}

const configured = (config: string | undefined) => (config ? { config } : {});

/** Base and head, in that order. */
type Sides = [Lane, Lane];

async function closeSides(sides: Sides): Promise<void> {
  for (const side of sides) await side.close();
}

/**
 * How every round gets both sides' native images afresh, if it does. Each load of a native library is its own image,
 * at other addresses and on other physical pages, and two images of one build run at speeds
 * that differ by an accident of that placement, fixed for as long as they stay loaded
 * (native@inproc A/A, 8 comparisons of 20 rounds: offsets from −1.5 % to +0.7 %, three of
 * them outside their ±0.2–0.4 % intervals; both sides on one shared image: all within ±0.35 %
 * of 0, one just outside its interval).
 * Loaded once, that accident is a bias no interval sees. Loaded afresh every round, it is
 * drawn anew each time and becomes per-round noise, which the interval accounts for: the idea
 * of Stabilizer (Curtsinger & Berger, ASPLOS 2013), re-randomising layout during the run so
 * that it is noise instead of bias. The same holds in a Go host (native@go A/A at 0.5 %, one
 * host per side loaded once: +1.05 % [+0.51 … +1.59] flagged, and +1 % planted read as −0.38 %).
 * In the harness's thread a new load is two ms or so. A worker, a child or a Go host keeps its
 * thread or process and loads a new instance (`reload`), whose library is a new image too (a
 * core module in wazero is compiled again, at new addresses): a new worker or child would cost
 * more than a round (0.5–0.7 s to open in a checkout). But two processes, or two workers, differ
 * by more than their images (native@process A/A with a new image every round: +1.7 % in one
 * pair of children, −0.5 % [−0.9 … −0.1] in another; wasm-core@worker, 10 A/A with a worker per
 * side for good: −0.97 … +0.33 %, and a planted +2 % read as −1.24 % [−3.40 … +0.98]; swapped:
 * −0.29 … +0.35 %, the +2 % 10 of 10), so there the sides also swap hosts every round, a
 * crossover design (AB/BA): the verdict is taken over pairs of rounds, in which each
 * host served each side once and went first once, so what differs between the hosts cancels out
 * of every pair. It cancels from the mean, not from the noise: two Go hosts ran whole rounds
 * 3–10 % apart, through their reloads (native@go A/A). So a Go host holds both sides
 * (`holdBeside`) and reloads both every round, and each round is judged on its own: one process
 * has nothing to differ in. In the harness's thread a core module is reopened every round like a
 * library: two instances opened once read +0.85 % [+0.53 … +1.16] in one A/A of ten at 0.5 %
 * (flagged) and +0.53 % in another; reopened every round, ten A/A read −0.11 … +0.18 %, none
 * flagged (bench/gate-sensitivity.ts).
 */
function relayoutOf(lane: Lane): Relayout | undefined {
  const { boundary, isolation } = lane.id;
  if ((boundary === 'native' || boundary === 'wasm-core') && isolation === 'inproc') return 'reopen';
  if (canHoldBeside(lane)) return 'reload';
  if (boundary !== 'native' && boundary !== 'wasm-core') return undefined;
  return canReload(lane) ? 'swap' : undefined;
}

/**
 * How a round gets fresh images: new lanes (`reopen`), new instances in the one host that holds
 * both sides (`reload`), or new instances with the sides' hosts swapped (`swap`).
 */
type Relayout = 'reopen' | 'reload' | 'swap';

const HOSTS: Record<Relayout, Hosts> = { reopen: 'harness', reload: 'one', swap: 'swapped' };

/** What one side loads: its plugin's directory and `init` config. */
interface SidePlugin {
  dir: string;
  config: string | undefined;
}

/**
 * Round `n`'s hosts, in base-head order: the first host serves base in odd rounds, head in even
 * ones. The first host reloads first in every round, so the two rounds of a pair differ only in
 * which plugin each host serves: reloaded in base-head order, head was always the side loaded
 * last, a difference no pair cancels.
 */
async function swapHosts(hosts: Sides, n: number, plugins: [SidePlugin, SidePlugin]): Promise<Sides> {
  const swapped = n % 2 === 0;
  for (const [which, host] of hosts.entries()) await reloadOn(host, plugins[swapped ? 1 - which : which]!);
  return swapped ? [hosts[1], hosts[0]] : hosts;
}

async function reloadOn(lane: Lane, { dir, config }: SidePlugin): Promise<void> {
  const { outcome } = await (lane as ReloadingLane).reload(dir, config ?? '{}');
  if (!outcome.ok) throw new Error(`reloading ${dir} on ${lane.name} failed: ${outcome.failure.message}`);
}

/** Each side's plugin loaded afresh in its host; the side loaded second lands at other addresses, as in `openSides`. */
async function reloadSides(sides: Sides, plugins: [SidePlugin, SidePlugin], headFirst: boolean): Promise<void> {
  for (const which of headFirst ? [1, 0] : [0, 1]) await reloadOn(sides[which]!, plugins[which]!);
}

/** The samples an interval is taken over: rounds, or with swapped hosts, the means of pairs of rounds. */
function unitsOf(logs: readonly number[], relayout: Relayout | undefined): number[] {
  if (relayout !== 'swap') return [...logs];
  return Array.from({ length: logs.length >> 1 }, (_, i) => (logs[2 * i]! + logs[2 * i + 1]!) / 2);
}

/**
 * A block of each side whose times are dropped: a freshly opened side's first calls fault its
 * pages in. Paired, as the rounds' are: a host's load loop that meets a hung call goes on in a
 * new host for the rest of its calls, and would meet it again for each of them.
 */
async function warmUp(sides: Sides, plan: Plan): Promise<void> {
  if (plan.timing === 'paired') {
    const dropped = [LatencyHistogram.create(), LatencyHistogram.create()] as const;
    try {
      await pairedBlocks(sides[0] as HoldingLane, plan, dropped);
    } finally {
      for (const d of dropped) d.destroy();
    }
    return;
  }
  for (const which of [0, 1]) {
    const recording = new LaneRecording(false);
    try {
      await calls(sides, which, plan.timing, plan, { calls: plan.blockCalls }, recording);
    } finally {
      recording.destroy();
    }
  }
}

/**
 * Interleaved A/B: base and head run alternately in one process, in blocks of a few
 * milliseconds, so both sides of every round see the same machine state; the verdict comes
 * from the paired per-round ratios. Without a fixed `rounds`, a round is added until the
 * anytime-valid interval clears the threshold on one side, is narrower than a quarter of it,
 * or the budget runs out (then `warn`, with the interval): looking after every round keeps its
 * 95 % coverage (see `anytimeHalfWidthInSe`). Native libraries, and core modules on `@go`, are
 * loaded afresh every round, on `@go` both in one host (see `relayoutOf`). Off `@inproc` both
 * sides' plugins run on one CPU (the Go host, the workers' threads, the children's main
 * threads): where each side is its own process or thread, left to the kernel the two blocks of
 * a pair ran on whichever CPU was free, whose speed of the moment differed by up to 40 % for whole blocks on
 * a shared 2-vCPU machine (wasm-core@go tokenize, p0 of a block from 633 to 881 µs); on one
 * CPU both blocks of a pair see the same one (A/A, 10 rounds under a load of 9–12: intervals
 * ±0.7 … ±3.6 % instead of ±2 … ±7 %; wasm-core@worker on a quiet machine, A/A and +2 %
 * planted at 1 %: pass in 10 s and flagged in 5 s, where both were `warn` after 60 s unpinned).
 */
export async function compareInterleaved(options: CompareOptions): Promise<CompareResult> {
  const roundMs = options.roundMs ?? COMPARE_DEFAULTS.roundMs;
  const threshold = options.threshold ?? COMPARE_DEFAULTS.threshold;
  const maxTimeMs = options.maxTimeMs ?? COMPARE_DEFAULTS.maxTimeMs;
  const metric = options.metric ?? COMPARE_DEFAULTS.metric;
  const fixed = options.rounds !== undefined;
  const interval = fixed ? fixedChange : anytimeChange;
  const { lane } = options;
  const cpu = lane.isolation === 'inproc' ? undefined : sharedCpu();
  const laneOptions = {
    trusted: options.trusted,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(cpu !== undefined ? { hostCpu: cpu } : {}),
  };
  const openSide = (dir: string, config: string | undefined) =>
    openLane(dir, lane, { ...laneOptions, ...configured(config) });
  // The side opened second lands at other addresses: which one that is alternates with the rounds.
  const openSides = async (headFirst: boolean): Promise<Sides> => {
    if (!headFirst) {
      const base = await openSide(options.baseDir, options.baseConfig);
      return [base, await openSide(options.headDir, options.headConfig)];
    }
    const head = await openSide(options.headDir, options.headConfig);
    return [await openSide(options.baseDir, options.baseConfig), head];
  };
  const base = await openSide(options.baseDir, options.baseConfig);
  // A Go host holds the head beside the base: what differs between two processes cannot differ between the sides.
  const head = await (
    canHoldBeside(base)
      ? base.holdBeside(options.headDir, options.headConfig ?? '{}')
      : openSide(options.headDir, options.headConfig)
  ).catch(async (e: unknown) => {
    await base.close();
    throw e;
  });
  let sides: Sides = [base, head];
  try {
    const kind = base.manifest.ops.find((o) => o.name === options.op)?.input ?? 'bytes';
    const pool = inputPool(kind, options.input ?? { sizeBytes: COMPARE_DEFAULTS.inputSizeBytes });
    const inputs = { pool, next: cycle(pool) };
    const stallMs = (options.policy ?? DEFAULT_POLICY).quotas.callTimeoutMs;
    const plan: Plan = {
      timing: timingOf(base, metric),
      metric,
      op: options.op,
      inputs,
      blockCalls: 1,
      callNs: 0,
      stallMs,
    };
    await probe(sides, plan);
    plan.callNs = Math.max(await measureCallNs(sides, 0, plan), await measureCallNs(sides, 1, plan));
    plan.blockCalls = Math.max(MIN_BLOCK_CALLS, Math.round((BLOCK_MS * 1e6) / Math.max(plan.callNs, 1)));
    const series = { base: [] as number[], head: [] as number[], logs: [] as number[], besideLogs: [] as number[] };
    const startedMs = performance.now();
    let stoppedBy: StoppedBy = 'rounds';
    const relayout = relayoutOf(base);
    const hosts = sides;
    const plugins: [SidePlugin, SidePlugin] = [
      { dir: options.baseDir, config: options.baseConfig },
      { dir: options.headDir, config: options.headConfig },
    ];
    // An interval needs two samples: with swapped hosts, two pairs of rounds.
    const minRounds = relayout === 'swap' ? 4 : 2;
    const rounds =
      fixed && relayout === 'swap' ? Math.max(minRounds, options.rounds! + (options.rounds! % 2)) : options.rounds;
    for (let n = 1; ; n++) {
      const headFirst = n % 2 === 0;
      if (relayout === 'reopen' && n > 1) {
        await closeSides(sides);
        sides = await openSides(headFirst);
      }
      if (relayout === 'swap' && n > 1) sides = await swapHosts(hosts, n, plugins);
      if (relayout === 'reload' && n > 1) await reloadSides(sides, plugins, headFirst);
      if (relayout && n > 1) await warmUp(sides, plan);
      const r = await round(sides, plan, roundMs, headFirst);
      series.base.push(r.baseP50Ns);
      series.head.push(r.headP50Ns);
      series.logs.push(r.logRatio);
      if (r.besideLogRatio !== undefined) series.besideLogs.push(r.besideLogRatio);
      const units = unitsOf(series.logs, relayout);
      // With swapped hosts, only whole pairs of rounds are judged, and sampling stops only after one.
      const whole = relayout !== 'swap' || n % 2 === 0;
      const change = whole && units.length >= 2 ? interval(units) : undefined;
      const shown = change ? `, change ${pct(change.estimate)} (${pct(change.low)} … ${pct(change.high)})` : '';
      const of = fixed ? `/${rounds}` : '';
      options.progress?.(`round ${n}${of}: base p50 ${r.baseP50Ns} ns, head p50 ${r.headP50Ns} ns${shown}`);
      if (fixed) {
        if (n >= rounds!) break;
        continue;
      }
      const state = change ? sequentialState(change, threshold) : 'continue';
      if (state !== 'continue') {
        stoppedBy = state;
        break;
      }
      // Stop before a round that would overrun the budget, but not before the two an interval needs.
      const elapsedMs = performance.now() - startedMs;
      if (whole && n >= minRounds && elapsedMs + elapsedMs / n > maxTimeMs) {
        stoppedBy = 'budget';
        break;
      }
    }
    const change = interval(unitsOf(series.logs, relayout));
    const other: CompareMetric = metric === 'inner' ? 'roundtrip' : 'inner';
    const besideUnits = unitsOf(series.besideLogs, relayout);
    const beside = besideUnits.length >= 2 ? { metric: other, change: interval(besideUnits) } : undefined;
    const byHarness = metric === 'roundtrip' && plan.timing === 'crossing';
    return {
      rounds: series.base.length,
      baseP50Ns: series.base,
      headP50Ns: series.head,
      logRatios: series.logs,
      change,
      threshold,
      status: fixed ? judgeChange(change, threshold) : sequentialVerdict(change, threshold),
      decidedBy: metric,
      timedWhere: byHarness ? 'around the crossing, by the harness' : WHERE[lane.isolation]!,
      ...(beside ? { beside } : {}),
      interval: fixed ? 't interval' : 'confidence sequence',
      stoppedBy,
      ...(cpu !== undefined ? { sharedCpu: cpu } : {}),
      freshImagesEachRound: relayout !== undefined,
      hosts: relayout ? HOSTS[relayout] : 'own',
      elapsedMs: performance.now() - startedMs,
    };
  } finally {
    await closeSides(sides);
  }
}
