import { scenario } from '../harness/scenario/scenario.ts';

export default scenario({
  id: 'lz-compress',
  plugin: 'lz',
  op: 'compress',
  input: { sizeBytes: 16 * 1024 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  duration: '2s',
  suites: ['smoke', 'nightly', 'release'],
});
