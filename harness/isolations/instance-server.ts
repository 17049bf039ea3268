import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type CallFailure, type CallOutcome, POISONING_KINDS, PluginLoadError } from '../contract/errors.ts';
import { keyIdOf } from '../contract/keys.ts';
import type { AnyPluginInstance, PluginInstance } from '../engines/instance.ts';
import type { BatchResult } from './lane.ts';
import { openAnyInstance, type OpenOptions } from '../engines/open-instance.ts';
import { mallocInUseBytes } from '../engines/native-memory.ts';
import { limitDataSegment } from './rlimit.ts';
import { pinThisThread } from './thread-affinity.ts';
import { ChildFramePipe } from './call-frames.ts';
import { ChildRegionMemory } from './mapped-calls.ts';
import { mapRegion } from './mapped-region.ts';
import type { BlockingCallSource, Channel, OpenRequest, Reply, Request } from './protocol.ts';
import { SharedBufferMemory, SharedCallSource } from './shared-calls.ts';
import type { HostPolicy } from '../contract/policy.ts';
import { CONTRACT_TIMING } from '../contract/generated.ts';
import { type CoverageProbe, openCoverageInstance } from '../coverage/coverage-instance.ts';
import { openSlotWriter, type ExecSlotWriter } from '../coverage/exec-slot.ts';
import { GuidedSession, minimizeCorpus } from '../coverage/guided-session.ts';

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
  if (request.coverage)
    ({ instance, probe } = await openCoverageInstance(request.dir, request.boundary, optionsOf(request)));
  else instance = await openAnyInstance(request.dir, request.boundary, optionsOf(request));
  if (config === undefined) return instance;
  const init = await instance.init(config);
  if (!init.ok)
    throw new PluginLoadError(
      'incompatible',
      `\`init\` refused the config ` +
        `(${init.failure.kind}${init.failure.kind === 'plugin' ? ` ${init.failure.code}` : ''}): ` +
        `${init.failure.message}`,
    );
  return instance;
}

function vmDataBytes(): number {
  const match = /VmData:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * The call channel an open request names: the worker's shared buffer, or the child's region
 * and frame pipe; `reply` answers control requests where the channel has a faster way than `send`.
 */
function callSourceOf(calls: NonNullable<OpenRequest['calls']>): {
  source: BlockingCallSource;
  reply?: (reply: Reply) => void;
} {
  if ('sharedBuffer' in calls) return { source: new SharedCallSource(new SharedBufferMemory(calls.sharedBuffer)) };
  const pipe = new ChildFramePipe(calls.frameFd);
  const memory = new ChildRegionMemory(mapRegion(calls.regionFd, calls.regionBytes), pipe);
  return { source: new SharedCallSource(memory, pipe), reply: (reply) => pipe.reply(reply) };
}

/**
 * The far side of a worker or process lane: opens one instance, serves calls one at a time,
 * times each inside, and replaces the instance in place after a panic, trap or exhaustion.
 * Calls come on the open request's call channel, read by blocking between calls; control
 * requests on `channel`: the channel's source returns to the event loop for each one
 * announced, and blocking resumes once every handler is done.
 */
export function serveInstance(channel: Channel): void {
  let open: OpenRequest;
  let instance: AnyPluginInstance;
  /**
   * What a recycled instance is initialised with: the open
   * request's config, then that of each `init` that succeeds.
   */
  let config: string | undefined;
  let slot: ExecSlotWriter | undefined;
  let session: GuidedSession | undefined;
  // Coverage runs only contract v1 plugins (openCoverageInstance), whose instances are sync.
  const target = () => ({ instance: instance as PluginInstance, probe: probe! });
  let calls: BlockingCallSource | undefined;
  let fastReply: ((reply: Reply) => void) | undefined;
  let controlSeen = 0;
  /** Control handlers and recycles in flight: calls wait until none is. */
  let busy = 0;
  let closed = false;
  const reply = (message: Reply) => (fastReply ? fastReply(message) : channel.send(message));
  // One handler or recycle at a time: a memory sample that arrived while a poisoned instance
  // was being replaced must read the new instance, not the closed one. Blocking resumes after.
  let handled = Promise.resolve();
  const inTurn = (work: () => Promise<void>) => {
    busy++;
    handled = handled
      .then(work)
      // A handler that throws is a harness bug: the worker or child dies of it, loudly, and its
      // supervisor reports the crash; a rejection kept in the chain would ignore every later request.
      .catch((e: unknown) =>
        process.nextTick(() => {
          throw e;
        }),
      )
      .finally(() => {
        busy--;
        resume();
      });
  };

  const recycle = async (): Promise<number> => {
    const started = performance.now();
    instance.close();
    instance = await openAndInit(open, config);
    return performance.now() - started;
  };
  /** One call timed inside; an async instance's answer (a promise) is awaited in the event loop. */
  const timedCall = (op: string, input: Uint8Array) => {
    const started = process.hrtime.bigint();
    const answer = instance.call(op, input);
    // The clock is read before anything else runs: a closure made per call (which tsx's
    // keep-names helper also renames) cost a 64-byte echo 300 ns, inside its measured time.
    if (!(answer instanceof Promise)) return { outcome: answer, innerNs: Number(process.hrtime.bigint() - started) };
    return answer.then((outcome) => ({ outcome, innerNs: Number(process.hrtime.bigint() - started) }));
  };

  /** `count` calls, each timed; a poisoning failure ends them (the caller then recycles). */
  const batchOf = async (
    op: string,
    input: Uint8Array,
    count: number,
  ): Promise<{ batch: BatchResult; poisoned: boolean }> => {
    const innerNs = new Float64Array(count);
    const failures: CallFailure[] = [];
    let done = 0;
    while (done < count) {
      const answer = timedCall(op, input);
      const call = answer instanceof Promise ? await answer : answer;
      innerNs[done++] = call.innerNs;
      if (call.outcome.ok) continue;
      if (failures.length < CONTRACT_TIMING.batchFailuresKept) failures.push(call.outcome.failure);
      if (!POISONING_KINDS.has(call.outcome.failure.kind)) continue;
      return { batch: { innerNs: innerNs.subarray(0, done), failures }, poisoned: true };
    }
    return { batch: { innerNs, failures }, poisoned: false };
  };

  const serveCalls = (source: BlockingCallSource) => {
    for (let call = source.next(controlSeen); call; call = source.next(controlSeen)) {
      const { op, input, batchCount } = call;
      if (batchCount !== undefined) {
        // A batch runs in turn with control requests: an async instance awaits, a recycle reopens.
        inTurn(async () => {
          const { batch, poisoned } = await batchOf(op, input, batchCount);
          source.answerBatch(poisoned ? { ...batch, recycleMs: await recycle() } : batch);
        });
        return;
      }
      const timed = timedCall(op, input);
      if (timed instanceof Promise || (!timed.outcome.ok && POISONING_KINDS.has(timed.outcome.failure.kind))) {
        // Awaiting an async instance or reopening a poisoned one: answer from the event loop, then block again.
        inTurn(async () => {
          const { outcome, innerNs } = await timed;
          source.answer(
            outcome,
            innerNs,
            !outcome.ok && POISONING_KINDS.has(outcome.failure.kind) ? await recycle() : undefined,
          );
        });
        return;
      }
      source.answer(timed.outcome, timed.innerNs);
    }
  };
  const resume = () => {
    if (calls && busy === 0 && !closed) serveCalls(calls);
  };

  const handle = async (message: OpenRequest | Request) => {
    if (message.type === 'open') {
      open = message;
      ({ source: calls, reply: fastReply } = callSourceOf(message.calls!));
      try {
        let memoryLimit: string | undefined;
        if (message.cpu !== undefined) pinThisThread(message.cpu);
        if (message.limitNativeMemory) memoryLimit = limitDataSegment(vmDataBytes() + message.quotas.memoryBytes);
        config = message.config;
        if (message.coverage) slot = await openSlotWriter(message.coverage.slot);
        instance = await openAndInit(message, config);
        reply({ type: 'ready', manifest: instance.manifest, memoryLimit });
      } catch (e) {
        if (!(e instanceof PluginLoadError)) throw e;
        closed = true;
        reply({ type: 'refused', kind: e.kind, message: e.message });
      }
    } else if (message.type === 'init' || message.type === 'shutdown') {
      // A sequence lane's steps: answered like a call, the instance recycled after a poisoning failure.
      const started = process.hrtime.bigint();
      const answer = message.type === 'init' ? instance.init(message.config) : instance.shutdown();
      const outcome = answer instanceof Promise ? await answer : answer;
      const innerNs = Number(process.hrtime.bigint() - started);
      if (message.type === 'init' && outcome.ok) config = message.config;
      const recycleMs = !outcome.ok && POISONING_KINDS.has(outcome.failure.kind) ? await recycle() : undefined;
      reply({ type: 'called', id: message.id, outcome, innerNs, recycleMs });
    } else if (message.type === 'reset' || message.type === 'reload') {
      // Shut down first: a native library stays loaded, and its state with it, until then.
      instance.shutdown();
      instance.close();
      const next = message.type === 'reload' ? { ...open, dir: message.dir } : open;
      const nextConfig = message.type === 'reload' ? message.config : undefined;
      let outcome: CallOutcome = { ok: true, output: new Uint8Array() };
      try {
        instance = await openAndInit(next, nextConfig);
        [open, config] = [next, nextConfig];
      } catch (e) {
        // Refused (not signed, incompatible), or not there at all (a usage error on the harness's side).
        const kind = e instanceof PluginLoadError ? e.kind : 'rejected';
        outcome = { ok: false, failure: { kind, message: (e as Error).message } };
      }
      reply({ type: 'called', id: message.id, outcome, innerNs: 0 });
    } else if (message.type === 'coverage-begin') {
      session = new GuidedSession(message, target, slot!);
      reply({ type: 'coverage-sliced', id: message.id, result: session.slice(0) });
    } else if (message.type === 'coverage-slice') {
      if (session === undefined) return reply({ type: 'coverage-no-session', id: message.id });
      const result = session.slice(message.ms);
      if (result.finding && POISONING_KINDS.has(result.finding.failure.kind)) await recycle();
      reply({ type: 'coverage-sliced', id: message.id, result });
    } else if (message.type === 'coverage-minimize') {
      reply({ type: 'coverage-minimized', id: message.id, kept: minimizeCorpus(target(), message.op, message.inputs) });
    } else if (message.type === 'memory') {
      gc?.({ type: 'minor' });
      reply({
        type: 'memory',
        id: message.id,
        wasmMemoryBytes: instance.memoryBytes(),
        rssBytes: process.memoryUsage.rss(),
        mallocBytes: mallocInUseBytes() - process.memoryUsage().arrayBuffers,
      });
    } else if (message.type === 'close') {
      closed = true;
      instance.shutdown();
      instance.close();
      reply({ type: 'closed', id: message.id });
    } else throw new Error(`harness bug: ${message.type} sent on the control channel`);
  };

  channel.onMessage((message: OpenRequest | Request) => {
    controlSeen++;
    inTurn(() => handle(message));
  });
}
