// What a Go service pays per call, beside the Node host, measured in one run: `echo` of 0 B and
// 1 KiB and `tokenize` of 4 KiB on cgo and wazero (with and without wazero's deadline checks)
// against koffi, V8 and the isolated Node lanes. Rounds alternate the lanes; medians printed.
// Run: node --import tsx bench/go-host.ts [ROUNDS] [TIME_MS]
import { trustedKeys } from '../harness/contract/keys.ts';
import { openLane } from '../harness/lanes/open-lane.ts';
import { parseLane } from '../harness/lanes/registry.ts';
import { type Lane } from '../harness/isolations/lane.ts';
import { measureLaneCost } from '../harness/load/boundary-cost.ts';
import { initHistograms } from '../harness/measure/latency.ts';
import { formatNs } from '../harness/report/format.ts';
import { resolvePluginDir } from '../harness/project/plugin-dir.ts';
import { stateDir } from '../harness/paths.ts';
import { COST_COLUMNS } from './cost-columns.ts';

const rounds = Number(process.argv[2] ?? 3);
const timeMs = Number(process.argv[3] ?? 500);
await initHistograms();
const trusted = trustedKeys(stateDir());
const dir = resolvePluginDir('textkit');
const open = (lane: string, goDeadlineChecks = true) => openLane(dir, parseLane(lane), { trusted, goDeadlineChecks });
const lanes: Array<[string, Lane]> = [
  ['wasm-core@inproc (V8)', await open('wasm-core@inproc')],
  ['native@inproc (koffi)', await open('native@inproc')],
  ['wasm-core@go (wazero, deadline checks)', await open('wasm-core@go')],
  ['wasm-core@go (wazero, no deadline checks)', await open('wasm-core@go', false)],
  ['native@go (cgo)', await open('native@go')],
  ['wasm-core@worker (round trip)', await open('wasm-core@worker')],
  ['native@process (round trip)', await open('native@process')],
];
const columns = COST_COLUMNS;
const samples = new Map<string, number[]>();
const timedBy = new Map<string, string>();
for (let round = 0; round < rounds; round++) {
  for (const [label, lane] of lanes) {
    for (const column of columns) {
      const [row] = await measureLaneCost(lane, [column.size], timeMs, column);
      const key = `${label}|${column.label}`;
      samples.set(key, [...(samples.get(key) ?? []), row!.meanNs]);
      timedBy.set(label, row!.timedBy);
    }
  }
  console.error(`round ${round + 1}/${rounds} done`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const v8 = (column: string) => median(samples.get(`wasm-core@inproc (V8)|${column}`)!);
console.log(`mean ns per call, median of ${rounds} rounds of ${timeMs} ms; in parentheses: against V8 in the harness`);
console.log(`${'lane'.padEnd(44)}${'timed by'.padEnd(22)}${columns.map((c) => c.label.padStart(24)).join('')}`);
for (const [label] of lanes) {
  const cells = columns.map((c) => {
    const ns = median(samples.get(`${label}|${c.label}`)!);
    return `${formatNs(ns)} (${(ns / v8(c.label)).toFixed(2)}×)`.padStart(24);
  });
  console.log(`${label.padEnd(44)}${timedBy.get(label)!.padEnd(22)}${cells.join('')}`);
}
for (const [, lane] of lanes) await lane.close();
