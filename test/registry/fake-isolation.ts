import { abiOf, abiProblem } from '../../harness/abi/abi.ts';
import { PluginLoadError } from '../../harness/contract/errors.ts';
import { readSignedPluginMeta } from '../../harness/contract/provenance.ts';
import type { InThreadEngine } from '../../harness/engines/engine.ts';
import { InprocLane } from '../../harness/isolations/inproc-lane.ts';
import type { IsolationDescriptor } from '../../harness/isolations/isolation.ts';

const NO_DEADLINE = {
  enforced: false,
  why: 'the scripted host has no clock: a scripted call cannot be stopped',
} as const;

/** A made-up isolation: the scripted host, in the harness's thread, promising neither a deadline nor a quota. */
export const scriptedIsolation: IsolationDescriptor = {
  name: 'scripted',
  host: 'scripted',
  summary: 'the scripted host, for tests of the registry',
  promises: () => ({
    deadline: NO_DEADLINE,
    memoryQuota: { enforced: false, why: 'the scripted host keeps no memory to hold to a quota' },
    callersShareHost: false,
  }),
  open: (dir, id, engine, options) => {
    const open = async () => {
      const meta = readSignedPluginMeta(dir, options.trusted);
      const problem = abiProblem(abiOf(meta), engine.abis);
      if (problem !== undefined) throw new PluginLoadError('incompatible', problem);
      return (engine as InThreadEngine).openInstance(dir, meta, abiOf(meta), { maxOutputBytes: 1 << 20 } as never);
    };
    return InprocLane.open(id, open, options.config ?? '{}', NO_DEADLINE);
  },
};
