import { scenario } from '../harness/scenario/scenario.ts';

// A Go service's steady traffic with a deadline on every call: the Go host keeps the schedule
// and times each call from its intended start (coordinated omission corrected).
export default scenario({
  id: 'go-host-echo-open',
  plugin: 'textkit',
  op: 'echo',
  input: { sizeBytes: 1024 },
  lanes: ['wasm-core@go', 'native@go'],
  load: { model: 'open', ratePerSec: 20000 },
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 200000,
  deadlineMs: 100,
  suites: ['nightly', 'release'],
  thresholds: ['latency.p99 < 5ms', 'errors.rate == 0', 'memory.slopeBytesPerCall < 64B'],
});
