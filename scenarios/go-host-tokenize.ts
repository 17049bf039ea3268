import { scenario } from '../harness/scenario/scenario.ts';

// What a Go service pays to call the same plugin, beside the Node host: cgo and wazero (with
// its deadline checks on) against koffi and V8, each in its own host's loop.
export default scenario({
  id: 'go-host-tokenize',
  plugin: 'textkit',
  op: 'tokenize',
  input: { sizeBytes: 4096 },
  lanes: ['wasm-core@go', 'native@go', 'wasm-core@inproc', 'native@inproc'],
  load: { model: 'closed', concurrency: 1 },
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 10000,
  suites: ['smoke', 'nightly', 'release'],
  thresholds: ['errors.rate == 0', 'memory.slopeBytesPerCall < 1KiB', 'regression.p50 < 10%'],
});
