// Cold start of a `@worker` and a `@process` lane: spawn, load the harness, open textkit, ready.
// `node bench/cold-start.mjs` times the checkout (TypeScript through tsx);
// `node bench/cold-start.mjs dist` times the compiled package (`npm run build` first).
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = process.argv[2] === 'dist';
if (!compiled) (await import('tsx/esm/api')).register();
const harness = (file) => import(`${root}${compiled ? 'dist/harness' : 'harness'}/${file}${compiled ? '.js' : '.ts'}`);
const { openLane } = await harness('isolation/open-lane');
const { trustedKeys } = await harness('contract/keys');
const trusted = trustedKeys(`${root}.plugbench`);
const dir = `${root}fixtures/build/textkit`;
const ROUNDS = 7;

for (const isolation of ['worker', 'process']) {
  const ms = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const lane = await openLane(dir, { boundary: 'wasm-core', isolation }, { trusted });
    ms.push(performance.now() - started);
    await lane.close();
  }
  ms.sort((a, b) => a - b);
  console.log(`${compiled ? 'dist' : 'tsx '} wasm-core@${isolation}: cold start median ${ms[ROUNDS >> 1].toFixed(0)} ms (min ${ms[0].toFixed(0)}, max ${ms.at(-1).toFixed(0)}, ${ROUNDS} rounds)`);
}
