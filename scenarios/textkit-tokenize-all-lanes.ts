import { scenario } from '../harness/scenario/scenario.ts';

// Every lane, two callers on the isolated ones: what isolation costs under contention.
export default scenario({
  id: 'textkit-tokenize-all-lanes',
  plugin: 'textkit',
  op: 'tokenize',
  input: { sizesBytes: [256, 4096, 65536] },
  lanes: ['wasm-core@worker', 'wasm-core@process', 'wasm-component@worker', 'wasm-component@process', 'native@worker', 'native@process'],
  load: { model: 'closed', concurrency: 2 },
  duration: '5s',
  suites: ['nightly', 'release'],
});
