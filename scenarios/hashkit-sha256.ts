import { scenario } from '../harness/scenario/scenario.ts';

export default scenario({
  id: 'hashkit-sha256',
  plugin: 'hashkit',
  op: 'sha256',
  input: { sizeBytes: 16 * 1024 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 15000,
  suites: ['smoke', 'nightly', 'release'],
});
