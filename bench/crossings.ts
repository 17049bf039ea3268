// What isolation costs, against the machine's floor: the per-call p50 that `plugbench run`
// reports for `echo` on wasm-core@worker and native@process (closed loop, one caller,
// unbatched), beside hand-written round trips of the same bytes — SharedArrayBuffer + Atomics
// between two threads, and a binary pipe between two Node processes — interleaved round by
// round, each figure the median over the rounds.
// Run: node --import tsx bench/crossings.ts [--rounds 5] [--seconds 1]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { trustedKeys } from '../harness/contract/keys.ts';
import { runScenario } from '../harness/scenario/run-scenario.ts';
import { initHistograms } from '../harness/measure/latency.ts';
import { stateDir } from '../harness/paths.ts';
import { measuredOrThrow } from '../harness/report/results.ts';
import { resolveScenario } from '../harness/scenario/scenario.ts';

const SIZES = [64, 1024, 64 * 1024];

/**
 * What decides a wake-up's cost here, printed with the figures: on a VM whose idle vCPUs halt
 * at once (haltpoll with guest_halt_poll_ns=0, as on this Firecracker machine), waking one takes
 * 50–100 µs, and every crossing that sleeps on both sides pays it, floors included.
 */
function machineLine(): string {
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined);
  const driver = read('/sys/devices/system/cpu/cpuidle/current_driver') ?? 'unknown';
  const poll = read('/sys/module/haltpoll/parameters/guest_halt_poll_ns');
  const idle = poll === undefined ? `cpuidle ${driver}` : `cpuidle ${driver}, guest_halt_poll_ns ${poll}`;
  return `machine: ${cpus().length} CPUs, ${idle}, load ${loadavg()[0]!.toFixed(1)}`;
}
const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const rounds = flag('rounds', 5);
const seconds = flag('seconds', 1);

/** p50 of per-call times, in ns, from a loop of `call` for `seconds` after a short warm-up. */
async function timed(call: () => Promise<void> | void): Promise<number> {
  const samples: number[] = [];
  const warmEnd = performance.now() + 100;
  while (performance.now() < warmEnd) await call();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t = process.hrtime.bigint();
    await call();
    samples.push(Number(process.hrtime.bigint() - t));
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}

/** Floor between threads: the worker blocks in Atomics.wait, copies the input to the output, notifies; the caller blocks too. */
async function threadFloor(size: number): Promise<number> {
  const shared = new SharedArrayBuffer(64 + 2 * size);
  const words = new Int32Array(shared, 0, 16);
  const worker = new Worker(
    `const { workerData: s } = require('node:worker_threads');
     const words = new Int32Array(s, 0, 16), size = (s.byteLength - 64) / 2;
     for (let seq = 0; ; ) {
       Atomics.wait(words, 0, seq);
       seq = Atomics.load(words, 0);
       if (seq < 0) break;
       new Uint8Array(s, 64 + size, size).set(new Uint8Array(s, 64, size));
       Atomics.store(words, 1, seq);
       Atomics.notify(words, 1);
     }`,
    { eval: true, workerData: shared },
  );
  const input = new Uint8Array(size).fill(7);
  let seq = 0;
  const p50 = await timed(() => {
    seq++;
    new Uint8Array(shared, 64, size).set(input);
    Atomics.store(words, 0, seq);
    Atomics.notify(words, 0);
    while (Atomics.load(words, 1) !== seq) Atomics.wait(words, 1, seq - 1);
    new Uint8Array(shared, 64 + size, size).slice();
  });
  Atomics.store(words, 0, -1);
  Atomics.notify(words, 0);
  await worker.terminate();
  return p50;
}

/** Floor between processes: u32 length + bytes down a pipe, echoed back by a child that reads with its event loop or blocking reads. */
async function pipeFloor(size: number, childBlocks: boolean): Promise<number> {
  const echo = childBlocks
    ? `const fs = require('node:fs'); const b = Buffer.allocUnsafe(1 << 20);
       for (;;) { const n = fs.readSync(0, b); if (n === 0) break; for (let at = 0; at < n; ) at += fs.writeSync(1, b, at, n - at); }`
    : `process.stdin.on('data', (c) => process.stdout.write(c));`;
  const child = spawn(process.execPath, ['-e', echo], { stdio: ['pipe', 'pipe', 'inherit'] });
  const frame = Buffer.alloc(4 + size, 7);
  frame.writeUInt32LE(size);
  let answered: (() => void) | undefined;
  let got = 0;
  let chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    got += chunk.length;
    if (got >= frame.length) {
      Buffer.concat(chunks, got);
      got = 0;
      chunks = [];
      answered!();
    }
  });
  const p50 = await timed(
    () =>
      new Promise<void>((resolve) => {
        answered = resolve;
        child.stdin.write(frame);
      }),
  );
  child.kill();
  return p50;
}

await initHistograms();
const trusted = trustedKeys(stateDir());

const LANES = ['wasm-core@worker', 'native@process', 'wasm-core@process'];

/** The p50 `plugbench run` reports on each lane for one payload size, and its p50 inside the plugin. */
async function harness(size: number): Promise<Array<[string, number]>> {
  const scenario = resolveScenario(
    {
      id: `crossings-${size}`,
      plugin: 'textkit',
      op: 'echo',
      lanes: LANES,
      input: { sizeBytes: size },
      duration: `${seconds * 1000}ms`,
      suites: [],
    },
    'bench',
  );
  const result = await runScenario(scenario, { trusted });
  return result.lanes.map(measuredOrThrow).flatMap((lane): Array<[string, number]> => [
    [lane.lane, lane.latency.p50],
    [`${lane.lane} inner`, lane.latencyInner?.p50 ?? 0],
  ]);
}

const figures = new Map<string, number[]>();
const keep = (key: string, ns: number) => figures.set(key, [...(figures.get(key) ?? []), ns]);
for (let round = 1; round <= rounds; round++) {
  for (const size of SIZES) {
    for (const [key, p50] of await harness(size)) keep(`${key} ${size}`, p50);
    keep(`thread-floor ${size}`, await threadFloor(size));
    keep(`pipe-floor ${size}`, await pipeFloor(size, false));
    keep(`pipe-floor-blocking ${size}`, await pipeFloor(size, true));
  }
  console.error(`round ${round}/${rounds} done`);
}

const median = (key: string) => {
  const values = [...figures.get(key)!].sort((a, b) => a - b);
  return values.length % 2
    ? values[values.length >> 1]!
    : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2;
};
const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
const row = (cells: Array<string | number>) =>
  console.log(
    cells
      .map((c, i) =>
        String(c)
          .padStart(i === 0 ? 0 : 12)
          .padEnd(i === 0 ? 9 : 0),
      )
      .join(' '),
  );
console.log(`\n${machineLine()}`);
console.log(
  `per-call p50, median of ${rounds} interleaved rounds, ${seconds} s each (closed loop, one caller, unbatched)`,
);
row([
  'size',
  '@worker',
  'SAB floor',
  'ratio',
  'native@proc',
  'wasm@proc',
  'pipe floor',
  'ratio',
  'ratio wasm',
  'pipe, child',
]);
for (const size of SIZES) {
  const [worker, thread, native, wasm, pipe] = [
    'wasm-core@worker',
    'thread-floor',
    'native@process',
    'wasm-core@process',
    'pipe-floor',
  ].map((k) => median(`${k} ${size}`));
  row([
    `${size} B`,
    us(worker!),
    us(thread!),
    (worker! / thread!).toFixed(2),
    us(native!),
    us(wasm!),
    us(pipe!),
    (native! / pipe!).toFixed(2),
    (wasm! / pipe!).toFixed(2),
    us(median(`pipe-floor-blocking ${size}`)),
  ]);
}
console.log(
  '\nthe same less the p50 inside the plugin (its own call, timed in the worker or child): the crossing alone',
);
row(['size', '@worker', 'ratio', 'native@proc', 'ratio', 'wasm@proc', 'ratio']);
for (const size of SIZES) {
  const crossing = (lane: string) => median(`${lane} ${size}`) - median(`${lane} inner ${size}`);
  const [thread, pipe] = [median(`thread-floor ${size}`), median(`pipe-floor ${size}`)];
  const cells = LANES.flatMap((lane) => [
    us(crossing(lane)),
    (crossing(lane) / (lane.endsWith('@worker') ? thread : pipe)).toFixed(2),
  ]);
  row([`${size} B`, ...cells]);
}
