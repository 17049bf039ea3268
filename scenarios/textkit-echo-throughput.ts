import { scenario } from '../harness/scenario/scenario.ts';

// Throughput ceilings of the isolated lanes: 1000 calls per crossing, each timed inside.
export default scenario({
  id: 'textkit-echo-throughput',
  plugin: 'textkit',
  op: 'echo',
  input: { sizeBytes: 64 },
  lanes: ['wasm-core@worker', 'native@process'],
  load: { model: 'closed', concurrency: 1 },
  batch: 1000,
  duration: '3s',
  suites: ['nightly', 'release'],
  thresholds: ['wasm-core@worker: throughput >= 200000/s', 'native@process: throughput >= 100000/s'],
});
