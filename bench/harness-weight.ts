// The harness's own weight, as a user's command carries it: the JS heap after start-up (every
// command module loaded, then a full GC), and `faulty`'s `hog` (linear memory grown in 1 MiB
// steps to the 256 MiB quota) on wasm-core@inproc against wasm-core@worker: the time of one
// call through the lane in a process that loaded the CLI first, and (unless `--calls-only`)
// `plugbench run --calls CALLS`: the p50 it reports and the command's wall time. Each figure
// comes from a fresh `node` process; rounds alternate which lane goes first; medians printed.
// Run: node --import tsx bench/harness-weight.ts [ROUNDS] [CALLS] [--calls-only]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../harness/paths.ts';

const [rounds, calls] = [Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 2)];
const callsOnly = process.argv.includes('--calls-only');
const LANES = ['wasm-core@inproc', 'wasm-core@worker'] as const;
const MiB = 2 ** 20;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const IDLE_HEAP_PROBE = `
import { register } from 'tsx/esm/api';
register();
await import('./harness/cli/main.ts');
globalThis.gc(); globalThis.gc();
console.log(process.memoryUsage().heapUsed);`;

/** heapUsed after loading the CLI and a full GC, in bytes, in a fresh process. */
function idleHeapBytes(): number {
  const args = ['--expose-gc', '--input-type=module', '-e', IDLE_HEAP_PROBE];
  return Number(execFileSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' }).trim());
}

/** One call of `hog` on a lane, in ms, in a fresh process that carries the CLI's start-up heap. */
function hogCallMs(lane: string): number {
  const args = ['bench/hog-call.mjs', lane];
  const { ms, kind } = JSON.parse(execFileSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8' }).trim());
  if (kind !== 'resource-exhausted') throw new Error(`expected \`hog\` to exhaust memory on ${lane}, got ${kind}`);
  return ms;
}

interface Growth {
  callMs: number;
  p50Ms: number;
  wallMs: number;
}

/** `hog` on one lane: a call through the lane, and through `plugbench run` unless `--calls-only`. */
function growth(lane: string): Growth {
  const callMs = hogCallMs(lane);
  if (callsOnly) return { callMs, p50Ms: Number.NaN, wallMs: Number.NaN };
  const out = mkdtempSync(join(tmpdir(), 'plugbench-weight-'));
  try {
    const args = ['bin/plugbench.js', 'run', '--plugin', 'faulty', '--op', 'hog', '--lane', lane];
    args.push('--calls', String(calls), '--out', out, '--json');
    const started = performance.now();
    const run = spawnSync(process.execPath, args, { cwd: packageRoot, encoding: 'utf8', maxBuffer: 64 * MiB });
    const wallMs = performance.now() - started;
    // Exit 1 is expected: every call of `hog` ends in resource-exhausted, which the default gate counts.
    if (run.status !== 0 && run.status !== 1) throw new Error(`plugbench run exited ${run.status}: ${run.stderr}`);
    const result = JSON.parse(run.stdout).scenarios[0].lanes[0];
    if ((result.errors['resource-exhausted'] ?? 0) !== result.load.calls) {
      throw new Error(`expected every call of \`hog\` to exhaust memory, got ${JSON.stringify(result.errors)}`);
    }
    return { callMs, p50Ms: result.latency.p50 / 1e6, wallMs };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const heaps: number[] = [];
const growths: Record<string, Growth[]> = Object.fromEntries(LANES.map((lane) => [lane, []]));
for (let round = 0; round < rounds; round++) {
  heaps.push(idleHeapBytes());
  const order = round % 2 === 0 ? LANES : [...LANES].reverse();
  for (const lane of order) growths[lane]!.push(growth(lane));
  const shown = LANES.map((lane) => {
    const last = growths[lane]!.at(-1)!;
    const run = callsOnly ? '' : `, run p50 ${last.p50Ms.toFixed(0)} ms, wall ${last.wallMs.toFixed(0)} ms`;
    return `${lane} call ${last.callMs.toFixed(0)} ms${run}`;
  });
  console.log(`round ${round + 1}: idle heap ${(heaps.at(-1)! / MiB).toFixed(1)} MiB; hog ${shown.join('; ')}`);
}
const [inproc, worker] = LANES.map((lane) => ({
  callMs: median(growths[lane]!.map((g) => g.callMs)),
  p50Ms: median(growths[lane]!.map((g) => g.p50Ms)),
  wallMs: median(growths[lane]!.map((g) => g.wallMs)),
}));
const compare = (what: string, a: number, b: number) =>
  console.log(`  ${what}: inproc ${a.toFixed(0)} ms, worker ${b.toFixed(0)} ms, ratio ${(a / b).toFixed(2)}`);
console.log(`idle heap after start-up: ${(median(heaps) / MiB).toFixed(1)} MiB (median of ${rounds})`);
console.log(`hog, 1 MiB steps to the 256 MiB quota, median of ${rounds} interleaved rounds:`);
compare('one call through the lane', inproc!.callMs, worker!.callMs);
if (!callsOnly) {
  console.log(`\`plugbench run --calls ${calls}\`, closed loop, timed per call:`);
  compare('p50 a call', inproc!.p50Ms, worker!.p50Ms);
  compare('command wall time', inproc!.wallMs, worker!.wallMs);
}
