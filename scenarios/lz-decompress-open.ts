import { scenario } from '../harness/scenario/scenario.ts';

// Decompression under a constant arrival rate, corrected for coordinated omission.
export default scenario({
  id: 'lz-decompress-open',
  plugin: 'lz',
  op: 'decompress',
  input: { bytes: [new Uint8Array([4, 0, 0, 0, 3, 112, 108, 117, 103])] },
  lanes: ['wasm-core@inproc', 'native@inproc', 'wasm-core@process'],
  load: { model: 'open', ratePerSec: 20000 },
  duration: '10s',
  suites: ['release'],
});
