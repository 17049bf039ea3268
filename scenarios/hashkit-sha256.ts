import { scenario } from '../harness/scenario/scenario.ts';

export default scenario({
  id: 'hashkit-sha256',
  plugin: 'hashkit',
  op: 'sha256',
  input: { sizeBytes: 16 * 1024 },
  lanes: ['wasm-core@inproc', 'wasm-component@inproc', 'native@inproc'],
  duration: '2s',
  suites: ['smoke', 'nightly', 'release'],
});
