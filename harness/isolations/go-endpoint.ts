import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { type CallOutcome, failed, PluginLoadError, UsageError } from '../contract/errors.ts';
import { checkNativeAbi, checkWasmImports, negotiate } from '../contract/negotiation.ts';
import type { Capability } from '../contract/policy.ts';
import { type PluginMeta, readSignedPluginMeta, readVerifiedArtifact } from '../contract/provenance.ts';
import { abiOf, abiProblem, extismMetaOf } from '../abi/abi.ts';
import { checkExtismExports, checkExtismImports, extismManifest } from '../abi/extism.ts';
import { missingArtifact } from '../engines/open-instance.ts';
import { cgoEngine } from '../engines/cgo.ts';
import { checkCoreExports } from '../engines/wasm-core.ts';
import { wazeroEngine } from '../engines/wazero.ts';
import { type LoadDelta } from './host-load-lane.ts';
import { onCpu } from './cpu-pin.ts';
import { type Endpoint, endingOf, type Ending, killGroup, OWN_GROUP, ownGroup } from './endpoint.ts';
import { StderrFile } from './stderr-file.ts';
import {
  decodeBatched,
  decodeOutcome,
  decodePaired,
  encodeFrame,
  encodeOpInput,
  type Frame,
  FrameReader,
  GO_REPLY,
  GO_REQUEST,
  jsonBytes,
} from './go-frames.ts';
import { optionsOf } from './instance-server.ts';
import type { Beside, OpenRequest, Reply, Request } from './protocol.ts';

/** Frame ids of the loading steps; calls use the supervisor's ids, which start at 1. */
const OPENING_ID = 0;

interface Opened {
  abi?: number;
  imports?: WebAssembly.ModuleImportDescriptor[];
  exports?: string[];
  memoryLimit?: string;
}

/**
 * Pinned to one CPU, Go would run with GOMAXPROCS=1, and then sysmon takes the only P from every
 * cgo call longer than its 20 µs tick and hands it to a new spinning thread on that same CPU
 * (runtime/proc.go, retake and handoffp), which preempts the plugin's call: A/A rounds of a
 * native@go compare read ±8–13 %. With a second P idle, sysmon leaves a call's P alone for 10 ms.
 */
function goEnv(cpu: number | undefined): NodeJS.ProcessEnv {
  return cpu === undefined ? process.env : { ...process.env, GOMAXPROCS: '2' };
}

/**
 * The Go host (harness/hosts/go) as a supervisor's endpoint: a child process spoken to in
 * frames on its fd 3. It translates the supervisor's requests and replies, and runs the loading
 * steps here — signature, then the host hashes the exact bytes it loads, then imports or
 * `plugbench_abi()` are checked, then `describe` and negotiation, then `init` — so a Go lane
 * refuses exactly what a Node lane refuses, with the same messages. A `reload` runs the same
 * steps on the plugin in another directory, in the same host. With `cpu`, the host and all its
 * threads run on that CPU alone.
 */
export function spawnGoHost(binary: string, cpu?: number): Endpoint {
  const [command, args] = onCpu(binary, cpu);
  const stderr = new StderrFile();
  // Frames travel on fd 3 (a socket pair), so a native plugin printing to stdout cannot corrupt them.
  const child = ownGroup(
    spawn(command, args, { stdio: ['ignore', 'ignore', stderr.fd, 'pipe'], env: goEnv(cpu), ...OWN_GROUP }),
  );
  const channel = child.stdio[3] as Duplex;
  // The harness going away closes the socket: the host exits. Writes after it died are dropped.
  channel.on('error', () => {});
  const ended = endingOf(child);
  void ended.then(() => stderr.close());
  const handlers: Array<(reply: Reply) => void> = [];
  const emit = (reply: Reply) => handlers.forEach((h) => h(reply));
  let opening: ((frame: Frame) => void) | undefined;
  /** The open request, which a reload repeats with another plugin. */
  let open: OpenRequest | undefined;
  /** Which held plugin the host's requests address now: its first, or the one `beside` it. */
  let besideHeld = false;
  const reader = new FrameReader();
  channel.on('data', (chunk: Buffer) => {
    for (const frame of reader.push(chunk)) {
      if (frame.id === OPENING_ID && opening) opening(frame);
      else emit(replyOf(frame));
    }
  });
  const write = (frame: Buffer) => {
    if (child.exitCode === null && child.signalCode === null) channel.write(frame);
  };
  const step = (kind: number, payload: Uint8Array = new Uint8Array()) =>
    new Promise<Frame>((resolve) => {
      opening = resolve;
      write(encodeFrame(kind, OPENING_ID, payload));
    });

  return {
    ended,
    pid: child.pid,
    onMessage: (handler) => handlers.push(handler),
    send: (message: OpenRequest | Request | Reply) => {
      if (ADDRESSED.has(message.type)) {
        const beside = (message as Beside).beside === true;
        if (beside !== besideHeld) write(encodeFrame(GO_REQUEST.hold, OPENING_ID, Uint8Array.of(beside ? 1 : 0)));
        besideHeld = beside;
      }
      if (message.type === 'open') {
        if (!(message as OpenRequest).beside) open = message as OpenRequest;
        void openPlugin(message as OpenRequest, step).then(emit);
      } else if (message.type === 'reload') {
        if (open === undefined) throw new Error('harness bug: a reload before the open');
        void reloadPlugin(open, message, step).then(emit);
      } else write(requestFrame(message as Request));
    },
    kill: async () => {
      killGroup(child);
      await ended;
    },
    stderrTail: () => stderr.tail(),
  };
}

/** Requests that run plugin code, addressed to one of the plugins the host holds (`Beside`). */
const ADDRESSED = new Set(['open', 'reload', 'call', 'batch', 'load']);

function requestFrame(request: Request): Buffer {
  switch (request.type) {
    case 'call':
      return encodeFrame(
        GO_REQUEST.call,
        request.id,
        ...encodeOpInput(request.deadlineMs ?? 0, request.op, request.input),
      );
    case 'batch':
      return encodeFrame(GO_REQUEST.batch, request.id, ...encodeOpInput(request.count, request.op, request.input));
    case 'memory':
      return encodeFrame(GO_REQUEST.memory, request.id);
    case 'load': {
      const { id, type, inputs, bound, beside, ...rest } = request;
      return loadFrame(GO_REQUEST.load, id, { ...rest, ...bound }, inputs);
    }
    case 'paired':
      return loadFrame(GO_REQUEST.paired, request.id, { op: request.op, calls: request.calls }, request.inputs);
    case 'stop-load':
      return encodeFrame(GO_REQUEST.stop, request.id);
    case 'close':
      return encodeFrame(GO_REQUEST.close, request.id);
    default:
      throw new Error(
        `harness bug: the Go host does not serve \`${request.type}\` (sequence lanes and guided fuzzing are Node ` +
          `workers and children)`,
      );
  }
}

/** u32 jsonLen | JSON header, with the inputs' lengths | the inputs, back to back. */
function loadFrame(kind: number, id: number, header: object, inputs: Uint8Array[]): Buffer {
  const json = jsonBytes({ ...header, inputLengths: inputs.map((i) => i.length) });
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32LE(json.length);
  return encodeFrame(kind, id, length, json, ...inputs);
}

function replyOf({ kind, id, payload }: Frame): Reply {
  switch (kind) {
    case GO_REPLY.outcome:
      return { type: 'called', id, ...decodeOutcome(payload) };
    case GO_REPLY.batched:
      return { type: 'batched', id, batch: decodeBatched(payload) };
    case GO_REPLY.memory: {
      const m = JSON.parse(payload.toString()) as {
        rssBytes: number;
        goHeapBytes: number;
        mallocBytes: number;
        wasmMemoryBytes?: number;
      };
      return { type: 'memory', id, ...m };
    }
    case GO_REPLY.loadTick:
      return { type: 'load-tick', id, delta: JSON.parse(payload.toString()) as LoadDelta };
    case GO_REPLY.closed:
      return { type: 'closed', id };
    case GO_REPLY.paired:
      return { type: 'paired', id, paired: decodePaired(payload) };
    default:
      throw new Error(`harness bug: the Go host sent frame type ${kind} for request ${id}`);
  }
}

function refusalOf(frame: Frame): PluginLoadError {
  const { kind, message } = JSON.parse(frame.payload.toString()) as { kind: PluginLoadError['kind']; message: string };
  return new PluginLoadError(kind, message);
}

/** Asks the host to load a verified artifact; a refusal is thrown. `more`: what the ABI adds to the request. */
async function openInHost(
  request: OpenRequest,
  artifact: { file: string; sha256: string },
  step: (kind: number, payload?: Uint8Array) => Promise<Frame>,
  more: { limitNativeMemory: boolean } & Record<string, unknown>,
): Promise<Frame> {
  const opened = await step(
    GO_REQUEST.open,
    jsonBytes({
      boundary: request.boundary,
      file: join(request.dir, artifact.file),
      sha256: artifact.sha256,
      maxOutputBytes: request.maxOutputBytes,
      memoryBytes: request.quotas.memoryBytes,
      noDeadlineChecks: request.noDeadlineChecks === true,
      ...more,
    }),
  );
  if (opened.kind === GO_REPLY.refused) throw refusalOf(opened);
  return opened;
}

/** The loading steps, each checked here before the next runs in the host. */
async function openPlugin(
  request: OpenRequest,
  step: (kind: number, payload?: Uint8Array) => Promise<Frame>,
): Promise<Reply> {
  try {
    const { trusted, policy } = optionsOf(request);
    const meta = readSignedPluginMeta(request.dir, trusted);
    if (abiOf(meta) === 'extism') return await openExtismPlugin(request, meta, step);
    if (request.boundary === 'wasm-component')
      throw new PluginLoadError('incompatible', 'the Go host does not run components; use `wasm-core@go`');
    const artifact =
      (request.boundary === 'native' ? meta.artifacts.native : meta.artifacts.wasm) ??
      missingArtifact(meta, request.boundary);
    const opened = await openInHost(request, artifact, step, { limitNativeMemory: request.limitNativeMemory });
    const found = JSON.parse(opened.payload.toString()) as Opened;
    let imported: Set<Capability> | undefined;
    if (request.boundary === 'native') checkNativeAbi(found.abi!);
    else {
      imported = checkWasmImports(found.imports ?? [], policy);
      checkCoreExports(found.exports ?? []);
    }
    const described = await step(GO_REQUEST.describe);
    if (described.kind === GO_REPLY.refused) throw refusalOf(described);
    const manifest = negotiate(
      described.payload.toString(),
      { name: meta.name, version: meta.version, abi: meta.abi },
      policy,
      imported,
    );
    await initInHost(request, step);
    return { type: 'ready', manifest, ...(found.memoryLimit ? { memoryLimit: found.memoryLimit } : {}) };
  } catch (e) {
    if (e instanceof PluginLoadError) return { type: 'refused', kind: e.kind, message: e.message };
    if (e instanceof UsageError) return { type: 'refused', kind: 'rejected', message: e.message };
    throw e;
  }
}

/**
 * A `reload`: the loading steps again, for the plugin in `dir` (the host unloads the one it has
 * first), answered like a call, as a Node worker or child answers it (instance-server.ts).
 */
async function reloadPlugin(
  open: OpenRequest,
  { id, dir, config }: Extract<Request, { type: 'reload' }>,
  step: (kind: number, payload?: Uint8Array) => Promise<Frame>,
): Promise<Reply> {
  const loaded = await openPlugin({ ...open, dir, config }, step);
  const outcome: CallOutcome =
    loaded.type === 'refused'
      ? failed({ kind: loaded.kind, message: loaded.message })
      : { ok: true, output: new Uint8Array() };
  return { type: 'called', id, outcome, innerNs: 0 };
}

async function initInHost(
  request: OpenRequest,
  step: (kind: number, payload?: Uint8Array) => Promise<Frame>,
): Promise<void> {
  if (request.config === undefined) throw new Error('harness bug: the Go host is always opened with a config');
  const { outcome } = decodeOutcome((await step(GO_REQUEST.init, Buffer.from(request.config))).payload);
  if (!outcome.ok)
    throw new PluginLoadError(
      'incompatible',
      `\`init\` refused the config ` +
        `(${outcome.failure.kind}${outcome.failure.kind === 'plugin' ? ` ${outcome.failure.code}` : ''}): ` +
        `${outcome.failure.message}`,
    );
}

/**
 * An Extism plugin in the Go host, run by the Extism Go SDK: its imports are checked here on
 * the verified bytes (the same checks and messages as on the Node lanes), the host hashes the
 * bytes it loads again, and `init` instantiates it with the config.
 */
async function openExtismPlugin(
  request: OpenRequest,
  meta: PluginMeta,
  step: (kind: number, payload?: Uint8Array) => Promise<Frame>,
): Promise<Reply> {
  const engine = [wazeroEngine, cgoEngine].find((known) => known.boundary === request.boundary);
  const problem = abiProblem('extism', engine?.abis ?? []);
  if (problem !== undefined)
    throw new PluginLoadError('incompatible', `\`${meta.name}\` on \`${request.boundary}@go\`: ${problem}`);
  const { policy } = optionsOf(request);
  const extism = extismMetaOf(meta);
  const artifact = meta.artifacts.wasm ?? missingArtifact(meta, request.boundary);
  const module = await WebAssembly.compile(readVerifiedArtifact(request.dir, artifact) as BufferSource);
  const capabilities = checkExtismImports(WebAssembly.Module.imports(module), extism, policy);
  checkExtismExports(
    WebAssembly.Module.exports(module).map((e) => e.name),
    extism,
  );
  await openInHost(request, artifact, step, {
    limitNativeMemory: false,
    abi: 'extism',
    wasi: extism.wasi,
    ops: extism.ops.map((op) => op.name),
  });
  await initInHost(request, step);
  return { type: 'ready', manifest: extismManifest(meta, extism, capabilities) };
}
