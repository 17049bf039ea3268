import { scenario } from '../harness/scenario/scenario.ts';

// The crossing into a worker and a child process under a steady arrival rate.
export default scenario({
  id: 'textkit-echo-isolated',
  plugin: 'textkit',
  op: 'echo',
  input: { sizeBytes: 1024 },
  lanes: ['wasm-core@worker', 'native@process'],
  load: { model: 'open', ratePerSec: 2000 },
  duration: '2s',
  deadlineMs: 1000,
  suites: ['smoke', 'nightly', 'release'],
});
