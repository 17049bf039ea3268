import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type CallFailure, POISONING_KINDS, PluginLoadError } from '../contract/errors.ts';
import { keyIdOf } from '../contract/keys.ts';
import type { AnyPluginInstance, PluginInstance } from '../lanes/instance.ts';
import { openAnyInstance, type OpenOptions } from '../lanes/open-instance.ts';
import { mallocInUseBytes } from '../lanes/native-memory.ts';
import { limitDataSegment } from './rlimit.ts';
import type { Channel, OpenRequest, Reply, Request } from './protocol.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import { type CoverageProbe, openCoverageInstance } from '../fuzz/coverage/coverage-instance.ts';
import { openSlotWriter, type ExecSlotWriter } from '../fuzz/coverage/exec-slot.ts';
import { GuidedSession, minimizeCorpus } from '../fuzz/coverage/guided-session.ts';

/**
 * A young-generation GC where the child has `--expose-gc` (process lanes): Node's IPC leaves
 * about 10 KiB of malloc per message that only a GC frees, which read as 16 % more than a
 * plugin's real leak. About 0.3 ms, once a memory sample (100 ms by default).
 */
const gc = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;

/** The trusted keys and policy an open request carries, as objects again. */
export function optionsOf(request: OpenRequest): OpenOptions & { policy: HostPolicy } {
  return {
    trusted: request.trustedKeysPem.map((pem) => {
      const key = createPublicKey(pem);
      return { keyId: keyIdOf(key), key, source: 'supervisor' };
    }),
    policy: { grants: new Set(request.grants), quotas: request.quotas },
    maxOutputBytes: request.maxOutputBytes,
  };
}

/** The probe of the coverage build this worker or child serves, if it serves one. */
let probe: CoverageProbe | undefined;

async function openAndInit(request: OpenRequest, config: string | undefined): Promise<AnyPluginInstance> {
  let instance: AnyPluginInstance;
  if (request.coverage) ({ instance, probe } = await openCoverageInstance(request.dir, request.boundary, optionsOf(request)));
  else instance = await openAnyInstance(request.dir, request.boundary, optionsOf(request));
  if (config === undefined) return instance;
  const init = await instance.init(config);
  if (!init.ok) throw new PluginLoadError('incompatible', `\`init\` refused the config (${init.failure.kind}${init.failure.kind === 'plugin' ? ` ${init.failure.code}` : ''}): ${init.failure.message}`);
  return instance;
}

function vmDataBytes(): number {
  const match = /VmData:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * The far side of a worker or process lane: opens one instance, serves calls (and a sequence
 * lane's init, shutdown and reset) one at a time, times each inside, and replaces the instance
 * in place after a panic, trap or exhaustion.
 */
export function serveInstance(channel: Channel): void {
  let open: OpenRequest;
  let instance: AnyPluginInstance;
  /** What a recycled instance is initialised with: the open request's config, then that of each `init` that succeeds. */
  let config: string | undefined;
  let slot: ExecSlotWriter | undefined;
  let session: GuidedSession | undefined;
  // Coverage runs only contract v1 plugins (openCoverageInstance), whose instances are sync.
  const target = () => ({ instance: instance as PluginInstance, probe: probe! });
  // One message at a time: a memory sample that arrived while a poisoned instance was being
  // replaced must read the new instance, not the closed one.
  let handled = Promise.resolve();
  channel.onMessage((message: OpenRequest | Request) => (handled = handled.then(() => handle(message))));
  const handle = async (message: OpenRequest | Request) => {
    if (message.type === 'open') {
      open = message;
      try {
        let memoryLimit: string | undefined;
        if (message.limitNativeMemory) memoryLimit = limitDataSegment(vmDataBytes() + message.quotas.memoryBytes);
        config = message.config;
        if (message.coverage) slot = await openSlotWriter(message.coverage.slot);
        instance = await openAndInit(message, config);
        channel.send({ type: 'ready', manifest: instance.manifest, memoryLimit } satisfies Reply);
      } catch (e) {
        if (!(e instanceof PluginLoadError)) throw e;
        channel.send({ type: 'refused', kind: e.kind, message: e.message } satisfies Reply);
      }
      return;
    }
    if (message.type === 'call' || message.type === 'init' || message.type === 'shutdown') {
      // A sync instance is timed without a promise in the way.
      const started = process.hrtime.bigint();
      const answer = message.type === 'call' ? instance.call(message.op, message.input) : message.type === 'init' ? instance.init(message.config) : instance.shutdown();
      const outcome = answer instanceof Promise ? await answer : answer;
      const innerNs = Number(process.hrtime.bigint() - started);
      if (message.type === 'init' && outcome.ok) config = message.config;
      let recycleMs: number | undefined;
      if (!outcome.ok && POISONING_KINDS.has(outcome.failure.kind)) {
        const recycleStart = performance.now();
        instance.close();
        instance = await openAndInit(open, config);
        recycleMs = performance.now() - recycleStart;
      }
      channel.send({ type: 'called', id: message.id, outcome, innerNs, recycleMs } satisfies Reply);
    } else if (message.type === 'batch') {
      const innerNs = new Float64Array(message.count);
      const failures: CallFailure[] = [];
      let done = 0;
      let recycleMs: number | undefined;
      while (done < message.count) {
        const started = process.hrtime.bigint();
        const answer = instance.call(message.op, message.input);
        const outcome = answer instanceof Promise ? await answer : answer;
        innerNs[done++] = Number(process.hrtime.bigint() - started);
        if (outcome.ok) continue;
        if (failures.length < CONTRACT_TIMING.batchFailuresKept) failures.push(outcome.failure);
        if (POISONING_KINDS.has(outcome.failure.kind)) {
          const recycleStart = performance.now();
          instance.close();
          instance = await openAndInit(open, config);
          recycleMs = performance.now() - recycleStart;
          break;
        }
      }
      channel.send({ type: 'batched', id: message.id, batch: { innerNs: innerNs.subarray(0, done), failures, ...(recycleMs !== undefined ? { recycleMs } : {}) } } satisfies Reply);
    } else if (message.type === 'reset') {
      // Shut down first: a native library stays loaded, and its state with it, until then.
      instance.shutdown();
      instance.close();
      config = undefined;
      instance = await openAndInit(open, config);
      channel.send({ type: 'called', id: message.id, outcome: { ok: true, output: new Uint8Array() }, innerNs: 0 } satisfies Reply);
    } else if (message.type === 'coverage-begin') {
      session = new GuidedSession(message, target, slot!);
      channel.send({ type: 'coverage-sliced', id: message.id, result: session.slice(0) } satisfies Reply);
    } else if (message.type === 'coverage-slice') {
      if (session === undefined) return channel.send({ type: 'coverage-no-session', id: message.id } satisfies Reply);
      const result = session.slice(message.ms);
      if (result.finding && POISONING_KINDS.has(result.finding.failure.kind)) {
        instance.close();
        instance = await openAndInit(open, config);
      }
      channel.send({ type: 'coverage-sliced', id: message.id, result } satisfies Reply);
    } else if (message.type === 'coverage-minimize') {
      channel.send({ type: 'coverage-minimized', id: message.id, kept: minimizeCorpus(target(), message.op, message.inputs) } satisfies Reply);
    } else if (message.type === 'memory') {
      gc?.({ type: 'minor' });
      channel.send({ type: 'memory', id: message.id, wasmMemoryBytes: instance.memoryBytes(), rssBytes: process.memoryUsage.rss(), mallocBytes: mallocInUseBytes() - process.memoryUsage().arrayBuffers } satisfies Reply);
    } else {
      instance.shutdown();
      instance.close();
      channel.send({ type: 'closed', id: message.id } satisfies Reply);
    }
  };
}
