import { scenario } from '../harness/scenario/scenario.ts';

export default scenario({
  id: 'imgkit-grayscale',
  plugin: 'imgkit',
  op: 'grayscale',
  input: { sizeBytes: 64 * 64 * 4 + 8 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  duration: '2s',
  suites: ['smoke', 'nightly', 'release'],
});
