// Deadline overshoot (deadline to timeout delivered) and recycle time per lane that enforces
// deadlines, plus the harness's event-loop delay while the plugin spins.
// Run: node --import tsx bench/deadlines.ts [ROUNDS] [PAUSE_MS]   (a pause lets the spare load)
import { trustedKeys } from '../harness/contract/keys.ts';
import { openLane } from '../harness/lanes/open-lane.ts';
import { parseLanes } from '../harness/lanes/registry.ts';
import { watchEventLoop } from '../harness/measure/event-loop.ts';
import { resolvePluginDir } from '../harness/project/plugin-dir.ts';
import { stateDir } from '../harness/paths.ts';

const rounds = Number(process.argv[2] ?? 20);
const pauseMs = Number(process.argv[3] ?? 0);
const deadlineMs = 100;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
for (const id of parseLanes([
  'wasm-core@worker,wasm-core@process,wasm-component@worker,wasm-component@process,native@process,wasm-core@go,native@go',
])) {
  const lane = await openLane(resolvePluginDir('faulty'), id, { trusted: trustedKeys(stateDir()) });
  const overshootMs: number[] = [];
  const loopP99Ns: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const loop = watchEventLoop();
    const call = await lane.call('spin', new Uint8Array(), { deadlineMs });
    loopP99Ns.push(loop.stop().p99Ns);
    if (!call.outcome.ok && call.outcome.failure.kind === 'timeout')
      overshootMs.push(call.roundTripNs / 1e6 - deadlineMs);
    await lane.call('echo', new Uint8Array([1]), { deadlineMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  const recycleMs = lane.recycles.filter((r) => r.cause === 'timeout').map((r) => r.ms);
  console.log(
    `${lane.name}: ${overshootMs.length}/${rounds} timed out; overshoot p50 ${pct(overshootMs, 0.5).toFixed(2)} ms, p99 ${pct(overshootMs, 0.99).toFixed(2)} ms; recycle p50 ${pct(recycleMs, 0.5).toFixed(0)} ms, p99 ${pct(recycleMs, 0.99).toFixed(0)} ms; event-loop delay p99 while spinning ${(pct(loopP99Ns, 0.5) / 1e6).toFixed(2)} ms (median of rounds)`,
  );
  await lane.close();
}
