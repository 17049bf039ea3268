import type { AbiDescriptor } from '../../harness/abi/abi-descriptor.ts';

/** A made-up plugin ABI: plugin.json says `fake/1`, and only the scripted engine speaks it. */
export const fakeAbi: AbiDescriptor = {
  name: 'fake',
  claims: (pluginJsonAbi) => pluginJsonAbi === 'fake/1',
  unspoken: 'not for fake/1 plugins: only the scripted engine speaks fake/1',
};
