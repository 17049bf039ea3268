import { scenario } from '../harness/scenario/scenario.ts';

// The main op of the text fixture on each boundary, in the harness's own thread.
export default scenario({
  id: 'textkit-tokenize',
  plugin: 'textkit',
  op: 'tokenize',
  input: { sizeBytes: 4096 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  load: { model: 'closed', concurrency: 1 },
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 20000,
  suites: ['smoke', 'nightly', 'release'],
  thresholds: ['latency.p99 < 20ms', 'errors.rate == 0', 'memory.slopeBytesPerCall < 1KiB', 'regression.p50 < 10%'],
});
