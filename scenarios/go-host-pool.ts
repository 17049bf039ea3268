import { scenario } from '../harness/scenario/scenario.ts';

// A Go service's pool: two goroutines in one Go host, each calling a wazero instance of its
// own, with a deadline on every call. Shows what the shared scheduler and GC do to the tail.
export default scenario({
  id: 'go-host-pool',
  plugin: 'textkit',
  op: 'tokenize',
  input: { sizeBytes: 1024 },
  lanes: ['wasm-core@go'],
  load: { model: 'closed', concurrency: 2 },
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 40000,
  deadlineMs: 100,
  suites: ['nightly', 'release'],
  thresholds: ['errors.rate == 0', 'memory.slopeBytesPerCall < 64B', 'regression.p50 < 10%'],
});
