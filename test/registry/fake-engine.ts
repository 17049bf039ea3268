import {
  type CallOutcome,
  failed,
  type FailureKind,
  PluginLoadError,
  POISONING_KINDS,
} from '../../harness/contract/errors.ts';
import { readVerifiedArtifact } from '../../harness/contract/provenance.ts';
import type { InThreadEngine } from '../../harness/engines/engine.ts';
import type { PluginInstance } from '../../harness/engines/instance.ts';

/** What the scripted engine answers to each op of the reference fixtures, as a wasm engine would. */
const SCRIPT: Record<string, { kind: Exclude<FailureKind, 'plugin'>; message: string }> = {
  panic: { kind: 'panic', message: 'panicked at src/lib.rs:1:1: boom' },
  segv: { kind: 'trap', message: 'out of bounds memory access' },
  abort: { kind: 'trap', message: 'unreachable' },
  escape: { kind: 'panic', message: 'panicked at src/lib.rs:2:1: escaped' },
  recurse: { kind: 'trap', message: 'call stack exhausted' },
  hog: { kind: 'resource-exhausted', message: 'memory.grow failed at the quota' },
  'bad-pointer': { kind: 'protocol', message: 'the output pointer is outside memory' },
  'bad-length': { kind: 'protocol', message: 'the output length is outside memory' },
  'bad-utf8': { kind: 'protocol', message: 'the message is not UTF-8' },
  'bad-code': { kind: 'protocol', message: 'unknown error code 9' },
};

/**
 * A made-up engine for the scripted host: it verifies the artifact's hash and the contract's
 * major version like a real one, then answers calls from SCRIPT (echo returns its input), and
 * negotiates nothing else, so a greedy plugin gets through: `check` must say so.
 */
export const scriptedEngine: InThreadEngine = {
  name: 'scripted',
  boundary: 'wasm-core',
  host: 'scripted',
  summary: 'answers from a script, for tests of the registry',
  abis: ['contract-v1', 'fake'],
  faults: 'trap',
  openInstance: async (dir, meta) => {
    readVerifiedArtifact(dir, meta.artifacts.wasm!);
    if (meta.abi !== 'fake/1' && !meta.abi.startsWith('1.'))
      throw new PluginLoadError('incompatible', `the scripted engine speaks contract 1.x, not ${meta.abi}`);
    let poisoned = false;
    const outcome = (op: string, input: Uint8Array): CallOutcome => {
      const scripted = SCRIPT[op];
      if (scripted === undefined) return { ok: true, output: op === 'echo' ? input : new Uint8Array() };
      poisoned = POISONING_KINDS.has(scripted.kind);
      return failed(scripted);
    };
    const instance: PluginInstance = {
      boundary: 'wasm-core',
      manifest: {
        name: meta.name,
        version: meta.version,
        abi: meta.abi,
        ops: [{ name: 'echo', input: 'bytes' }],
        capabilities: [],
      },
      init: () => ({ ok: true, output: new Uint8Array() }),
      call: (op, input) => {
        if (poisoned) throw new Error('a poisoned scripted instance was called again');
        return outcome(op, input);
      },
      shutdown: () => ({ ok: true, output: new Uint8Array() }),
      memoryBytes: () => 65536,
      close: () => {},
    };
    return instance;
  },
};
