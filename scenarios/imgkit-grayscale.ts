import { scenario } from '../harness/scenario/scenario.ts';

export default scenario({
  id: 'imgkit-grayscale',
  plugin: 'imgkit',
  op: 'grayscale',
  input: { sizeBytes: 64 * 64 * 4 + 8 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  // A fixed amount of work, so shards of the suite merge to exactly the calls of a full run.
  calls: 60000,
  suites: ['smoke', 'nightly', 'release'],
});
