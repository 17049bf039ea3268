import { scenario } from '../harness/scenario/scenario.ts';

export default scenario({
  id: 'lz-compress',
  plugin: 'lz',
  op: 'compress',
  input: { sizeBytes: 16 * 1024 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 20000,
  suites: ['smoke', 'nightly', 'release'],
});
