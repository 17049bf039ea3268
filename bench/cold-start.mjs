// Cold start of a `@worker` and a `@process` lane: spawn, load the harness, open textkit, ready.
// `node bench/cold-start.mjs` alternates, round by round, a process running the checkout
// (TypeScript through tsx) and one running the compiled package (dist/, from
// `node scripts/build-package.mjs`), so both see the same machine load.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 9;
const [mode, isolation] = process.argv.slice(2);

if (mode === undefined) {
  for (const isolation of ['worker', 'process']) {
    const ms = { tsx: [], dist: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const m of Object.keys(ms)) {
        const args = [fileURLToPath(import.meta.url), m, isolation];
        const round = execFileSync(process.execPath, args, { encoding: 'utf8' });
        ms[m].push(Number(round));
      }
    }
    for (const [m, list] of Object.entries(ms)) {
      list.sort((a, b) => a - b);
      const [median, min, max] = [list[ROUNDS >> 1], list[0], list.at(-1)].map((ms) => ms.toFixed(0));
      const lane = `wasm-core@${isolation}`;
      console.log(`${m.padEnd(4)} ${lane}: cold start median ${median} ms (min ${min}, max ${max}, ${ROUNDS} rounds)`);
    }
  }
} else {
  // One round: the parent is warm (one lane opened and closed first), the timed lane is cold.
  const compiled = mode === 'dist';
  if (!compiled) (await import('tsx/esm/api')).register();
  const harness = (file) => import(`${root}${compiled ? `dist/harness/${file}.js` : `harness/${file}.ts`}`);
  const { openLane } = await harness('isolation/open-lane');
  const { trustedKeys } = await harness('contract/keys');
  const options = { trusted: trustedKeys(`${root}.plugbench`) };
  const id = { boundary: 'wasm-core', isolation };
  await (await openLane(`${root}fixtures/build/textkit`, id, options)).close();
  const started = performance.now();
  const lane = await openLane(`${root}fixtures/build/textkit`, id, options);
  const ms = performance.now() - started;
  await lane.close();
  process.stdout.write(String(ms));
}
