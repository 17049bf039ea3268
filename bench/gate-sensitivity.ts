// The gate's sensitivity: per lane, how often `compare` flags a known slowdown (1 %, 2 %, 5 %)
// and how often it flags a build against itself (A/A), with the time each verdict took.
// The variants are one slowpoke build configured with `{"costPercent": P}` (it tokenizes P % more
// of each input once more), so base and head run the same code and only the planted cost differs.
// P is calibrated per lane first: a fixed 30-round comparison of P = 10 on the lane itself gives
// the cost one unit of P adds to the whole call there (each engine and crossing spends its own
// share of the call outside the tokenizer), so a target's first guess is P = target / unit. The
// cost is not linear in P on every engine (on wazero P = 10 read +7.6 % but P = 1.31 read +0.54 %),
// so each guess is then measured in 60 rounds (in 240 more if that is too wide) and scaled by
// target / measured when that interval is narrow enough to say (half-width under a quarter of
// the target); else the guess stands, said so. A native library's cost is measured on
// native@inproc wherever it is planted: the same machine code, timed in the harness's thread to
// ±0.1 %, where native@go's own check read a planted "1 %" as +1.45 … +1.93 % with intervals of
// ±0.5 % after 300 rounds; a lane that crosses adds only time outside the cost, so there the
// planted share is at most the target.
// Thresholds: 0.5 % on @inproc and @go, 1 % on @worker and @process (the issue's acceptance).
// Verdicts run interleaved across lanes and costs, so a machine's load hits every cell alike.
// Run: node --import tsx bench/gate-sensitivity.ts [--runs 5] [--lanes L,L] [--costs 0,1,2,5 | acceptance]
//        [--max-time 60s] [--out reports/gate-sensitivity.json]
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { trustedKeys } from '../harness/contract/keys.ts';
import { type CompareResult, compareInterleaved } from '../harness/gate/compare.ts';
import { parseLanes } from '../harness/lanes/registry.ts';
import { type LaneId, laneName } from '../harness/isolations/lane.ts';
import { initHistograms } from '../harness/measure/latency.ts';
import { resolvePluginDir } from '../harness/project/plugin-dir.ts';
import { stateDir } from '../harness/paths.ts';
import { writeFileAtomically } from '../harness/report/results.ts';
import { parseDurationMs } from '../harness/contract/duration.ts';

/** The issue's acceptance: every @inproc and @go lane, and one @worker and one @process lane. */
const DEFAULT_LANES = 'wasm-core@inproc,native@inproc,wasm-core@go,native@go,wasm-core@worker,native@process';
const USAGE = `usage: node --import tsx bench/gate-sensitivity.ts [--runs 5] [--lanes ${DEFAULT_LANES}]
         [--costs acceptance | 0,1,2,5] [--max-time 60s] [--out reports/gate-sensitivity.json]`;
const options = {
  runs: { type: 'string', default: '5' },
  lanes: { type: 'string', default: DEFAULT_LANES },
  costs: { type: 'string', default: 'acceptance' },
  'max-time': { type: 'string', default: '60s' },
  out: { type: 'string', default: 'reports/gate-sensitivity.json' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
let parsed: ReturnType<typeof parseArgs<{ options: typeof options }>>;
try {
  parsed = parseArgs({ options });
} catch (e) {
  console.error(`gate-sensitivity: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const runs = Number(values.runs);
const lanes = parseLanes([values.lanes]);
/** `acceptance`: per lane, A/A and the issue's planted cost, twice the lane's threshold. */
const acceptance = values.costs === 'acceptance';
const costs = acceptance ? [] : values.costs.split(',').map(Number);
const maxTimeMs = parseDurationMs(values['max-time']);
if (!(runs >= 1) || costs.some((c) => !(c >= 0)) || maxTimeMs === undefined) {
  throw new Error(
    'gate-sensitivity: give `--runs N` (N ≥ 1), `--costs` as percentages ≥ 0 or `acceptance`, and `--max-time` as a duration (60s)',
  );
}

/** The acceptance's threshold for a lane: 0.5 % where nothing crosses per call, 1 % across a worker or process. */
const thresholdOf = (isolation: string) => (isolation === 'inproc' || isolation === 'go' ? 0.005 : 0.01);
/** Planted costs on a lane, in percent. */
const costsOf = (isolation: string) => (acceptance ? [0, thresholdOf(isolation) * 200] : costs);

interface Verdict {
  lane: string;
  costPercent: number;
  threshold: number;
  status: CompareResult['status'];
  stoppedBy: CompareResult['stoppedBy'];
  rounds: number;
  estimate: number;
  low: number;
  high: number;
  /** Opening both sides, calibrating and sampling, in ms. */
  verdictMs: number;
  /** The machine's 1-minute load average when the verdict came. */
  load1: number;
  decidedBy: string;
  beside?: number;
}

await initHistograms();
const trusted = trustedKeys(stateDir());
const dir = resolvePluginDir('slowpoke');
const verdicts: Verdict[] = [];
const startedAt = new Date().toISOString();
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;

const NATIVE_INPROC = parseLanes(['native@inproc'])[0]!;
/** The lane a planted cost is calibrated and checked on (see the top). */
const measuredOn = (lane: LaneId) => (lane.boundary === 'native' ? NATIVE_INPROC : lane);
const measuringLanes = [...new Map(lanes.map(measuredOn).map((l) => [laneName(l), l])).values()];

/** Measured change of the whole call per unit of `costPercent`, per measuring lane. */
const CALIBRATION_COST = 10;
const unitByLane: Record<string, number> = {};
for (const lane of measuringLanes) {
  const result = await compareInterleaved({
    baseDir: dir,
    headDir: dir,
    op: 'tokenize',
    lane,
    trusted,
    rounds: 30,
    baseConfig: '{"costPercent": 0}',
    headConfig: `{"costPercent": ${CALIBRATION_COST}}`,
  });
  unitByLane[laneName(lane)] = result.change.estimate / CALIBRATION_COST;
  console.error(
    `calibration, ${laneName(lane)}: costPercent ${CALIBRATION_COST} measured ${pct(result.change.estimate)}` +
      ` [${pct(result.change.low)} … ${pct(result.change.high)}]: 1 % of the call is costPercent ${(0.01 / unitByLane[laneName(lane)]!).toFixed(3)}`,
  );
}

/** Rounds of each look at a planted guess: a second, longer one where the first is too wide to scale it. */
const CHECK_ROUNDS = [60, 240];
/** `costPercent` per lane and planted cost (in percent of the call): the linear guess, checked where it is planted. */
const plantedByLane: Record<
  string,
  Record<number, { costPercent: number; guessMeasured: number; scaled: boolean }>
> = {};
for (const planted of lanes) {
  const lane = measuredOn(planted);
  const name = laneName(lane);
  plantedByLane[name] ??= {};
  for (const target of costsOf(planted.isolation).filter((c) => c > 0 && !plantedByLane[name]![c])) {
    const guess = target / 100 / unitByLane[name]!;
    const narrowEnough = ({ low, high }: CompareResult['change']) => (high - low) / 2 < target / 100 / 4;
    let change: CompareResult['change'] | undefined;
    // A noisy lane gets a second, longer look before the guess is left to stand.
    for (const rounds of CHECK_ROUNDS) {
      change = (
        await compareInterleaved({
          baseDir: dir,
          headDir: dir,
          op: 'tokenize',
          lane,
          trusted,
          rounds,
          baseConfig: '{"costPercent": 0}',
          headConfig: `{"costPercent": ${guess}}`,
        })
      ).change;
      if (narrowEnough(change)) break;
    }
    const { estimate, low, high } = change!;
    const scaled = estimate > 0 && narrowEnough(change!);
    const costPercent = scaled ? Math.min(95, guess * (target / 100 / estimate)) : guess;
    plantedByLane[name]![target] = { costPercent, guessMeasured: estimate, scaled };
    console.error(
      `planted +${target}% on ${name}: costPercent ${guess.toFixed(3)} measured ${pct(estimate)} [${pct(low)} … ${pct(high)}]` +
        (scaled ? `, so costPercent ${costPercent.toFixed(3)}` : ', too wide to scale: the guess stands'),
    );
  }
}
const costPercentOf = (lane: LaneId, target: number) =>
  target === 0 ? 0 : plantedByLane[laneName(measuredOn(lane))]![target]!.costPercent;
const save = () => {
  mkdirSync(dirname(values.out), { recursive: true });
  writeFileAtomically(
    values.out,
    `${JSON.stringify({ startedAt, runs, maxTimeMs, unitByLane, plantedByLane, verdicts }, null, 2)}\n`,
  );
};

for (let run = 1; run <= runs; run++) {
  for (const lane of lanes) {
    for (const costPercent of costsOf(lane.isolation)) {
      const threshold = thresholdOf(lane.isolation);
      const started = performance.now();
      const result = await compareInterleaved({
        baseDir: dir,
        headDir: dir,
        op: 'tokenize',
        lane,
        trusted,
        threshold,
        maxTimeMs,
        baseConfig: '{"costPercent": 0}',
        headConfig: `{"costPercent": ${costPercentOf(lane, costPercent)}}`,
      });
      const verdict: Verdict = {
        lane: laneName(lane),
        costPercent,
        threshold,
        status: result.status,
        stoppedBy: result.stoppedBy,
        rounds: result.rounds,
        estimate: result.change.estimate,
        low: result.change.low,
        high: result.change.high,
        verdictMs: performance.now() - started,
        load1: loadavg()[0]!,
        decidedBy: result.decidedBy,
        ...(result.beside ? { beside: result.beside.change.estimate } : {}),
      };
      verdicts.push(verdict);
      save();
      console.error(
        `run ${run}/${runs} ${verdict.lane} +${costPercent}% at ${threshold * 100}%: ${verdict.status} (${verdict.stoppedBy})` +
          ` ${pct(verdict.estimate)} [${pct(verdict.low)} … ${pct(verdict.high)}] after ${verdict.rounds} rounds, ${(verdict.verdictMs / 1000).toFixed(1)} s, load ${verdict.load1.toFixed(1)}`,
      );
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `| lane | threshold | planted | flagged | warn | pass | median estimate | median s per verdict (max) | median rounds |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|`);
for (const lane of lanes.map(laneName)) {
  for (const costPercent of costsOf(lanes.find((l) => laneName(l) === lane)!.isolation)) {
    const cell = verdicts.filter((v) => v.lane === lane && v.costPercent === costPercent);
    const count = (s: string) => cell.filter((v) => v.status === s).length;
    const seconds = cell.map((v) => v.verdictMs / 1000);
    console.log(
      `| ${lane} | ${cell[0]!.threshold * 100}% | ${costPercent === 0 ? 'A/A' : `+${costPercent}%`} | ${count('fail')}/${cell.length}` +
        ` | ${count('warn')} | ${count('pass')} | ${pct(median(cell.map((v) => v.estimate)))} | ${median(seconds).toFixed(1)} (${Math.max(...seconds).toFixed(1)})` +
        ` | ${median(cell.map((v) => v.rounds))} |`,
    );
  }
}
console.log(
  `\n${verdicts.length} verdicts, ${runs} per cell, budget ${maxTimeMs / 1000} s each; written to ${values.out}`,
);
process.exit(0);
