// Coverage-guided against blind fuzzing, on the planted bugs (fixtures/plugins/planted), per lane:
// - time to find each bug guided (the loop in the worker or child), over several seeds;
// - whether today's blind fuzzing (fast-check, `--no-coverage`) finds it in the same budget;
// - executions per second of both on a small op (handmade `echo`).
// Needs `plugbench build --coverage fixtures/plugins/planted fixtures/plugins/handmade`.
// Run: node --import tsx bench/coverage-fuzz.ts [GUIDED_SEEDS] [BLIND_SEEDS] [THROUGHPUT_MS]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustedKeys } from '../harness/contract/keys.ts';
import { fuzzGuided } from '../harness/fuzz/coverage/guided-fuzz.ts';
import { runFuzz } from '../harness/fuzz/run-fuzz.ts';
import { parseLane } from '../harness/lanes/registry.ts';
import { resolvePluginDir } from '../harness/project/plugin-dir.ts';
import { stateDir } from '../harness/paths.ts';

const guidedSeeds = Number(process.argv[2] ?? 5);
const blindSeeds = Number(process.argv[3] ?? 2);
const throughputMs = Number(process.argv[4] ?? 5000);
const trusted = trustedKeys(stateDir());
const LANES = ['wasm-core@worker', 'native@process'];
/** The issue's budgets: the magic within 30 s, the TLV off-by-one within 10 s. */
const BUGS = [
  { op: 'frame', budgetMs: 30_000 },
  { op: 'tlv', budgetMs: 10_000 },
];
const THROUGHPUT_ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const corpusDir = mkdtempSync(join(tmpdir(), 'plugbench-bench-corpus-'));

for (const laneText of LANES) {
  const lane = parseLane(laneText);
  for (const { op, budgetMs } of BUGS) {
    const times: number[] = [];
    const rates: number[] = [];
    let missed = 0;
    for (let seed = 1; seed <= guidedSeeds; seed++) {
      const run = await fuzzGuided({
        dir: resolvePluginDir('planted'),
        lane,
        op,
        trusted,
        seeds: [],
        dictionary: [],
        seed,
        timeMs: budgetMs,
        deadlineMs: 1000,
      });
      if (run.finding) times.push(run.finding.afterMs);
      else missed++;
      rates.push(run.execs / (run.durationMs / 1000));
    }
    console.log(
      `${laneText} ${op} guided: found ${times.length}/${guidedSeeds} within ${budgetMs / 1000} s; time to find median ${(median(times) / 1000).toFixed(2)} s (min ${(Math.min(...times) / 1000).toFixed(2)}, max ${(Math.max(...times) / 1000).toFixed(2)}); ${Math.round(median(rates))} execs/s median${missed ? `; MISSED ${missed}` : ''}`,
    );
    let blindFound = 0;
    let blindRuns = 0;
    for (let seed = 1; seed <= blindSeeds; seed++) {
      const blind = await runFuzz({
        plugins: ['planted'],
        ops: [op],
        lanes: [lane],
        trusted,
        seed,
        timeMs: budgetMs,
        corpusDir,
        save: false,
        coverage: false,
        sequenceRuns: 0,
      });
      blindFound += blind.failures.filter((f) => f.property === 'robustness').length;
      blindRuns += blind.runs;
    }
    console.log(
      `${laneText} ${op} blind (fast-check, --no-coverage): found ${blindFound}/${blindSeeds} within ${budgetMs / 1000} s, ${blindRuns} runs`,
    );
  }
  // Rounds alternate guided and blind, so a busy moment on a shared machine hits both.
  const guidedRates: number[] = [];
  const blindRates: number[] = [];
  for (let round = 1; round <= THROUGHPUT_ROUNDS; round++) {
    const seeds = [new Uint8Array(8)];
    const run = await fuzzGuided({
      dir: resolvePluginDir('handmade'),
      lane,
      op: 'echo',
      trusted,
      seeds,
      dictionary: [],
      seed: round,
      timeMs: throughputMs,
      deadlineMs: 1000,
    });
    guidedRates.push(run.execs / (run.durationMs / 1000));
    const blind = await runFuzz({
      plugins: ['handmade'],
      ops: ['echo'],
      lanes: [lane],
      trusted,
      seed: round,
      timeMs: throughputMs,
      corpusDir,
      save: false,
      coverage: false,
      sequenceRuns: 0,
    });
    blindRates.push(blind.properties[0]!.execsPerSecByLane[laneText]!);
  }
  const range = (xs: number[]) =>
    `median ${Math.round(median(xs))}/s (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))})`;
  console.log(
    `${laneText} handmade echo, ${THROUGHPUT_ROUNDS} rounds of ${throughputMs / 1000} s: guided ${range(guidedRates)} (loop inside the ${lane.isolation}); blind ${range(blindRates)} (fast-check, one round trip per input)`,
  );
}
