// Harness overhead: the p50 that `plugbench run` reports for wasm-core@inproc echo of 1 KiB,
// against a hand-written tight loop over the same call in the same process, interleaved.
// Run: node --import tsx bench/harness-overhead.ts
import { trustedKeys } from '../harness/contract/keys.ts';
import { openInstance } from '../harness/lanes/open-instance.ts';
import { runScenario } from '../harness/load/run-scenario.ts';
import { makeInput } from '../harness/load/inputs.ts';
import { initHistograms, LatencyHistogram } from '../harness/measure/latency.ts';
import { resolvePluginDir, stateDir } from '../harness/paths.ts';
import { resolveScenario } from '../harness/scenario/scenario.ts';

await initHistograms();
const trusted = trustedKeys(stateDir);
const dir = resolvePluginDir('textkit');
const input = makeInput('bytes', 1024);

async function handWritten(): Promise<number> {
  const instance = await openInstance(dir, 'wasm-core', { trusted });
  instance.init('{}');
  const h = LatencyHistogram.create();
  const end = performance.now() + 1000;
  for (let i = 0; i < 20000; i++) instance.call('echo', input);
  while (performance.now() < end) {
    const t = process.hrtime.bigint();
    instance.call('echo', input);
    h.recordNs(Number(process.hrtime.bigint() - t));
  }
  const p50 = h.percentileNs(50);
  h.destroy();
  return p50;
}

async function viaRun(): Promise<number> {
  const scenario = resolveScenario({ id: 'overhead', plugin: 'textkit', op: 'echo', lanes: ['wasm-core@inproc'], input: { sizeBytes: 1024 }, duration: '1s', suites: [] }, 'bench');
  const result = await runScenario(scenario, { trusted });
  const lane = result.lanes[0]!;
  console.log(`  run timing: ${JSON.stringify(lane.load.timing)}, ${lane.load.calls} calls`);
  return lane.latency.p50;
}

const rounds: Array<[number, number]> = [];
for (let round = 0; round < 8; round++) rounds.push([await handWritten(), await viaRun()]);
for (const [hand, run] of rounds) console.log(`hand-written p50 ${hand} ns, plugbench run p50 ${run} ns, ratio ${(run / hand).toFixed(3)}`);
const ratios = rounds.map(([hand, run]) => run / hand).sort((a, b) => a - b);
console.log(`median ratio over ${rounds.length} interleaved rounds: ${((ratios[3]! + ratios[4]!) / 2).toFixed(3)}`);
