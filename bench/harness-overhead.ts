// Harness overhead: the p50 that `plugbench run` reports for wasm-core@inproc echo of 1 KiB,
// against a minimal host loop written here by hand over the same core module (lower the op and
// the input with `cabi_realloc`, call, copy the output, `cabi_post_call`), each call timed on
// its own in both, rounds interleaved, median ratio printed.
// Run: node --import tsx bench/harness-overhead.ts [ROUNDS] [TIME_MS]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trustedKeys } from '../harness/contract/keys.ts';
import { HOST_IMPORT_MODULE } from '../harness/contract/policy.ts';
import { makeInput } from '../harness/load/inputs.ts';
import { runScenario } from '../harness/scenario/run-scenario.ts';
import { initHistograms, LatencyHistogram } from '../harness/measure/latency.ts';
import { resolvePluginDir } from '../harness/project/plugin-dir.ts';
import { stateDir } from '../harness/paths.ts';
import { measuredOrThrow } from '../harness/report/results.ts';
import { resolveScenario } from '../harness/scenario/scenario.ts';

const rounds = Number(process.argv[2] ?? 20);
const timeMs = Number(process.argv[3] ?? 300);
await initHistograms();
const trusted = trustedKeys(stateDir());
const dir = resolvePluginDir('textkit');
const input = makeInput('bytes', 1024);

interface Exports {
  memory: WebAssembly.Memory;
  cabi_realloc(oldPtr: number, oldSize: number, align: number, newSize: number): number;
  init(ptr: number, len: number): number;
  call(opPtr: number, opLen: number, inPtr: number, inLen: number): number;
  cabi_post_call(retptr: number): void;
}

/** The same core module, instantiated as a host would by hand (no memory quota, no import checks). */
async function handWrittenExports(): Promise<Exports> {
  const bytes = readFileSync(join(dir, JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')).artifacts.wasm.file));
  const host = { log: () => {}, panicked: () => {}, 'now-ns': () => process.hrtime.bigint() };
  const { instance } = await WebAssembly.instantiate(bytes, { [HOST_IMPORT_MODULE]: host });
  const exports = instance.exports as unknown as Exports;
  const config = new TextEncoder().encode('{}');
  const ptr = exports.cabi_realloc(0, 0, 1, config.length);
  new Uint8Array(exports.memory.buffer, ptr, config.length).set(config);
  exports.init(ptr, config.length);
  return exports;
}

/**
 * p50 of what a host writes by hand: no checks, no failure handling, the op name encoded once;
 * timed as `plugbench run` timed its calls, per call or `batchSize` at a time.
 */
function handWritten(exports: Exports, batchSize: number): number {
  const op = new TextEncoder().encode('echo');
  const lower = (data: Uint8Array) => {
    const ptr = exports.cabi_realloc(0, 0, 1, data.length);
    new Uint8Array(exports.memory.buffer, ptr, data.length).set(data);
    return ptr;
  };
  const callOnce = () => {
    const retptr = exports.call(lower(op), op.length, lower(input), input.length);
    const view = new DataView(exports.memory.buffer);
    const at = view.getUint32(retptr + 4, true);
    const output = new Uint8Array(exports.memory.buffer, at, view.getUint32(retptr + 8, true)).slice();
    exports.cabi_post_call(retptr);
    return output;
  };
  const histogram = LatencyHistogram.create();
  // Warm-up as `plugbench run` does: a tenth of the time.
  for (let end = performance.now() + timeMs / 10; performance.now() < end;) callOnce();
  for (let end = performance.now() + timeMs; performance.now() < end;) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < batchSize; i++) callOnce();
    histogram.recordNsTimes(Number(process.hrtime.bigint() - started) / batchSize, batchSize);
  }
  const p50 = histogram.percentileNs(50);
  histogram.destroy();
  return p50;
}

/** p50 that `plugbench run` reports, and the batch it timed calls in (1: per call). */
async function viaRun(): Promise<{ p50: number; batchSize: number }> {
  const duration = `${timeMs}ms`;
  const options = { id: 'overhead', plugin: 'textkit', op: 'echo', lanes: ['wasm-core@inproc'], suites: [] };
  const scenario = resolveScenario({ ...options, input: { sizeBytes: 1024 }, duration }, 'bench');
  const lane = measuredOrThrow((await runScenario(scenario, { trusted })).lanes[0]!);
  return { p50: lane.latency.p50, batchSize: lane.load.timing.mode === 'batched' ? lane.load.timing.size : 1 };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const exports = await handWrittenExports();
const rows: Array<{ hand: number; run: number }> = [];
let batchSize = 1;
for (let round = 0; round < rounds; round++) {
  // Odd rounds time the hand loop first, so neither side always runs on a warmer machine.
  const handFirst = round % 2 === 1 ? handWritten(exports, batchSize) : undefined;
  const run = await viaRun();
  const hand = handFirst !== undefined && run.batchSize === batchSize ? handFirst : handWritten(exports, run.batchSize);
  batchSize = run.batchSize;
  rows.push({ hand, run: run.p50 });
  const timing = batchSize === 1 ? 'per call' : `batches of ${batchSize}`;
  const ratio = (run.p50 / hand).toFixed(3);
  const line = `p50 hand-written ${hand} ns, plugbench run ${run.p50} ns (${timing}), ratio ${ratio}`;
  console.log(`round ${round + 1}: ${line}`);
}
const ratio = median(rows.map((r) => r.run / r.hand)).toFixed(3);
const [hand, run] = [median(rows.map((r) => r.hand)), median(rows.map((r) => r.run))];
const p50s = `p50 hand-written ${hand} ns, plugbench run ${run} ns`;
console.log(`echo 1 KiB, wasm-core@inproc, closed loop, median of ${rounds} interleaved rounds of ${timeMs} ms:`);
console.log(`  ${p50s}; ratio run / hand-written ${ratio}`);
