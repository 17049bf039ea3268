import { scenario } from '../harness/scenario/scenario.ts';

// The crossing into a worker and a child process under a steady arrival rate.
export default scenario({
  id: 'textkit-echo-isolated',
  plugin: 'textkit',
  op: 'echo',
  input: { sizeBytes: 1024 },
  lanes: ['wasm-core@worker', 'native@process'],
  load: { model: 'open', ratePerSec: 2000 },
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 4000,
  deadlineMs: 1000,
  suites: ['smoke', 'nightly', 'release'],
});
