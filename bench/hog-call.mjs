// One call of `faulty`'s `hog` on the lane given as argument, in a process that loaded the CLI
// first (so the call runs beside the heap a command carries); prints {"ms", "kind"}.
// A file, not `node -e`: a worker inherits `--input-type` from the process's execArgv.
// Used by bench/harness-weight.ts. Run: node bench/hog-call.mjs wasm-core@inproc
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
const { openLane } = await import('../harness/lanes/open-lane.ts');
const { trustedKeys } = await import('../harness/contract/keys.ts');
const { parseLane } = await import('../harness/lanes/registry.ts');
const { stateDir } = await import('../harness/paths.ts');
const { resolvePluginDir } = await import('../harness/project/plugin-dir.ts');

const lane = await openLane(resolvePluginDir('faulty'), parseLane(process.argv[2]), {
  trusted: trustedKeys(stateDir()),
});
const started = performance.now();
const { outcome } = await lane.call('hog', new Uint8Array());
const ms = performance.now() - started;
await lane.close();
console.log(JSON.stringify({ ms, kind: outcome.ok ? 'ok' : outcome.failure.kind }));
