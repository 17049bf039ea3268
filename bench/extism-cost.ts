// What the Extism ABI costs beside contract v1 for the same work: `echo` of 0 B and 1 KiB and
// `tokenize` of 4 KiB through `textkit` (contract v1) and `ext-textkit` (Extism, the official
// SDKs: @extism/extism on the Node lanes, the Go SDK in the Go host), on each lane, one run.
// Mean ns per call, closed loop, one caller: tinybench round trips from the harness on the Node
// lanes, the Go host's own loop on @go. Rounds alternate the plugins; medians printed.
// Run: node --import tsx bench/extism-cost.ts [ROUNDS] [TIME_MS] [LANES]
import { trustedKeys } from '../harness/contract/keys.ts';
import { openLane } from '../harness/lanes/open-lane.ts';
import { parseLanes } from '../harness/lanes/registry.ts';
import { type Lane, laneName } from '../harness/isolations/lane.ts';
import { measureLaneCost } from '../harness/load/boundary-cost.ts';
import { initHistograms } from '../harness/measure/latency.ts';
import { formatNs } from '../harness/report/format.ts';
import { resolvePluginDir } from '../harness/project/plugin-dir.ts';
import { stateDir } from '../harness/paths.ts';
import { COST_COLUMNS } from './cost-columns.ts';

const rounds = Number(process.argv[2] ?? 1);
const timeMs = Number(process.argv[3] ?? 300);
const laneIds = parseLanes([process.argv[4] ?? 'wasm-core@inproc,wasm-core@worker,wasm-core@process,wasm-core@go']);
await initHistograms();
const trusted = trustedKeys(stateDir());
const plugins = [
  ['contract v1', 'textkit'],
  ['Extism', 'ext-textkit'],
] as const;
const columns = COST_COLUMNS;
const samples = new Map<string, number[]>();
for (const id of laneIds) {
  const lanes: Array<[string, Lane]> = [];
  for (const [abi, plugin] of plugins) lanes.push([abi, await openLane(resolvePluginDir(plugin), id, { trusted })]);
  for (let round = 0; round < rounds; round++) {
    for (const [abi, lane] of lanes) {
      for (const column of columns) {
        const [row] = await measureLaneCost(lane, [column.size], timeMs, column);
        const key = `${laneName(id)}|${abi}|${column.label}`;
        samples.set(key, [...(samples.get(key) ?? []), row!.meanNs]);
      }
    }
  }
  for (const [, lane] of lanes) await lane.close();
  console.error(`${laneName(id)} done`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`mean ns per call, median of ${rounds} round(s) of ${timeMs} ms; Extism over contract v1 in parentheses`);
console.log(`${'lane'.padEnd(20)}${'ABI'.padEnd(14)}${columns.map((c) => c.label.padStart(22)).join('')}`);
for (const id of laneIds) {
  for (const [abi] of plugins) {
    const cells = columns.map((c) => {
      const ns = median(samples.get(`${laneName(id)}|${abi}|${c.label}`)!);
      const v1 = median(samples.get(`${laneName(id)}|contract v1|${c.label}`)!);
      return (abi === 'Extism' ? `${formatNs(ns)} (${(ns / v1).toFixed(1)}×)` : formatNs(ns)).padStart(22);
    });
    console.log(`${laneName(id).padEnd(20)}${abi.padEnd(14)}${cells.join('')}`);
  }
}
