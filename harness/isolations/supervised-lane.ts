import { type CallFailure, type CallOutcome, failed, PluginLoadError, UsageError } from '../contract/errors.ts';
import { GO_HOST_EXIT } from '../contract/generated.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { BatchingLane, BatchResult, CallOptions, LaneCall, LaneId, LaneMemory, Recycle } from './lane.ts';
import { laneName } from './lane.ts';
import type { Endpoint, Ending } from './endpoint.ts';
import type { Beside, OpenRequest, Reply, Request } from './protocol.ts';

/** Longest wait for a worker or child to load and negotiate a plugin, in ms. */
export const OPEN_TIMEOUT_MS = 30_000;

/** How long past a deadline a host that stops calls itself may take before its process is killed, in ms. */
export const HOST_DEADLINE_GRACE_MS = 1000;

/** Requests that run plugin code and are answered by `called`: each is held to a deadline. */
type StepRequest = Extract<Request, { type: 'call' | 'init' | 'shutdown' | 'reset' | 'reload' }>;

/**
 * What a process prints as it dies for want of memory (or of threads, whose stacks count toward
 * the quota): Rust's allocation failure, glibc's for thread-local data, the Go runtime's.
 */
const ALLOCATION_FAILED = new RegExp(
  [
    'memory allocation of \\d+ bytes failed',
    'cannot allocate memory for thread-local data',
    '^fatal error: runtime: out of memory',
    '^runtime/cgo: pthread_create failed',
  ].join('|'),
  'm',
);

/** A JavaScript error the Node child died of (its last lines are only `}` and the Node version). */
const THROWN = /^(?:[A-Z]\w*)?Error\b.*$/m;

const CLOSED_CHANNEL =
  ' (the plugin closed a file descriptor the harness and its child talk through;' +
  ' a plugin must leave the fds it did not open)';

/** What a crashed process's stderr says went wrong: the error it died of, else its last lines. */
export function stderrExcerpt(stderr: string): string {
  const thrown = THROWN.exec(stderr)?.[0].trim();
  if (thrown) return thrown.includes('EBADF') ? thrown + CLOSED_CHANNEL : thrown;
  return stderr.trim().split('\n').slice(-3).join(' | ');
}

/** The failure a worker or process that ended mid-call stands for, from how it ended and its stderr. */
export function endingFailure(ending: Ending, stderr: string): CallFailure {
  const tail = stderrExcerpt(stderr);
  if (ending.error && (ending.error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { kind: 'resource-exhausted', message: `the worker's JS heap limit was reached (${ending.error.message})` };
  }
  if (ALLOCATION_FAILED.test(stderr) || ending.code === GO_HOST_EXIT.quota)
    return {
      kind: 'resource-exhausted',
      message: `memory quota: ${tail}`,
      ...(ending.signal ? { signal: ending.signal } : {}),
    };
  const how = ending.signal ? `killed by ${ending.signal}` : `exited with code ${ending.code}`;
  return {
    kind: 'crash',
    message:
      `the plugin's process ` +
      `${how}${tail ? `; stderr: ${tail}` : ''}${ending.error ? `; ${ending.error.message}` : ''}`,
    ...(ending.signal ? { signal: ending.signal } : {}),
  };
}

/**
 * A lane whose instance lives in a worker thread or a child process (a Node child, or the Go
 * host). Calls are sent one at a time (later calls queue), so a deadline covers exactly one
 * call: when it passes, the worker or process is killed, the call ends as `timeout`, and a new
 * one is started for the next call. A host that stops calls itself (deadline `by: 'host'`)
 * answers `timeout` on its own and keeps its process; the kill is then only a backstop,
 * HOST_DEADLINE_GRACE_MS later. A worker or process that dies mid-call answers that call with
 * `crash` (or `resource-exhausted` when an allocation failed) and is replaced the same way.
 */
export class SupervisedLane implements BatchingLane {
  readonly name: string;
  readonly recycles: Recycle[] = [];
  #endpoint: Endpoint;
  #ready: Promise<void> = Promise.resolve();
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 0;
  #pending = new Map<number, (reply: Reply) => void>();
  #spare: { endpoint: Endpoint; ready: Promise<boolean> } | undefined;
  /** Endpoints this lane stopped on purpose: their ending is not a crash. */
  #retired = new WeakSet<Endpoint>();
  #closed = false;

  protected constructor(
    readonly id: LaneId,
    readonly manifest: Manifest,
    readonly deadline: BatchingLane['deadline'],
    private readonly spawn: () => Endpoint,
    protected request: OpenRequest,
    endpoint: Endpoint,
    /** How the memory quota is enforced in the child, if it is. */
    readonly memoryLimit: string | undefined,
  ) {
    this.name = laneName(id);
    this.#endpoint = endpoint;
    this.watch(endpoint);
  }

  static async open(
    id: LaneId,
    request: OpenRequest,
    spawn: () => Endpoint,
    deadline: BatchingLane['deadline'],
  ): Promise<SupervisedLane> {
    const endpoint = spawn();
    const ready = await SupervisedLane.handshake(endpoint, request);
    return new this(id, ready.manifest, deadline, spawn, request, endpoint, ready.memoryLimit);
  }

  private static async handshake(endpoint: Endpoint, request: OpenRequest): Promise<Extract<Reply, { type: 'ready' }>> {
    const reply = await SupervisedLane.loadOn(endpoint, request);
    if (reply.type === 'ready') return reply;
    await endpoint.kill();
    throw new PluginLoadError(reply.kind, reply.message);
  }

  /** Sends an open request and waits for its answer, the end of the endpoint, or OPEN_TIMEOUT_MS. */
  protected static async loadOn(
    endpoint: Endpoint,
    request: OpenRequest,
  ): Promise<Extract<Reply, { type: 'ready' | 'refused' }>> {
    let timer: NodeJS.Timeout | undefined;
    const reply = await Promise.race([
      new Promise<Extract<Reply, { type: 'ready' | 'refused' }>>((resolve) => {
        endpoint.onMessage((m: Reply) => (m.type === 'ready' || m.type === 'refused') && resolve(m));
        endpoint.send(request);
      }),
      endpoint.ended.then(
        (ending) =>
          ({
            type: 'refused',
            kind: 'protocol',
            message: `the plugin's host ended while loading: ${endingFailure(ending, endpoint.stderrTail()).message}`,
          }) as const,
      ),
      new Promise<Extract<Reply, { type: 'refused' }>>(
        (resolve) =>
          (timer = setTimeout(
            () =>
              resolve({ type: 'refused', kind: 'protocol', message: `loading took longer than ${OPEN_TIMEOUT_MS} ms` }),
            OPEN_TIMEOUT_MS,
          )),
      ),
    ]);
    clearTimeout(timer);
    return reply;
  }

  /** Loads what this lane runs on a new worker or process: `request`, and what a subclass holds beside it. */
  protected async loadInto(endpoint: Endpoint): Promise<void> {
    await SupervisedLane.handshake(endpoint, this.request);
  }

  private watch(endpoint: Endpoint): void {
    endpoint.onMessage((reply: Reply) => {
      if ('id' in reply) this.#pending.get(reply.id)?.(reply);
    });
    void endpoint.ended.then((ending) => {
      if (this.#retired.has(endpoint) || this.#closed) return;
      const failure = endingFailure(ending, endpoint.stderrTail());
      for (const answer of this.#pending.values())
        answer({ type: 'called', id: -1, outcome: failed(failure), innerNs: 0 });
      this.replace(failure.kind);
    });
  }

  /**
   * `ReloadingLane.reload` (NodeHostLane and GoHostLane declare it): the plugin in `dir`,
   * initialised with `config`, in the same worker or process; once that succeeds, a recycle
   * loads it too. Queued like a call, with no deadline.
   */
  async reload(dir: string, config: string): Promise<LaneCall> {
    const reloaded = await this.step((id) => ({ type: 'reload', id, dir, config }), undefined);
    if (reloaded.outcome.ok) this.retarget(dir, config);
    return reloaded;
  }

  /** What a new worker or process loads from now on: the plugin in `dir`, initialised with `config`. */
  private retarget(dir: string, config: string): void {
    this.request = { ...this.request, dir, config };
    this.dropSpare();
  }

  /** A spare holds the plugins it was loaded with: after a reload the next recycle starts cold and keeps a new one. */
  protected dropSpare(): void {
    void this.#spare?.endpoint.kill();
    this.#spare = undefined;
  }

  /** A worker or process loaded ahead, so a recycle is a swap instead of a cold start. */
  private prepareSpare(): void {
    const endpoint = this.spawn();
    let alive = true;
    void endpoint.ended.then(() => (alive = false));
    this.#spare = {
      endpoint,
      ready: this.loadInto(endpoint).then(
        () => alive,
        () => false,
      ),
    };
  }

  /**
   * Starts a new worker or process; the next call waits for it. After the first recycle a
   * spare is kept loaded: a lane that failed once tends to fail again (fuzzing, checks).
   */
  protected replace(cause: CallFailure['kind']): void {
    const started = performance.now();
    const previous = this.#endpoint;
    const spare = this.#spare;
    this.#spare = undefined;
    this.#retired.add(previous);
    this.#ready = (async () => {
      await previous.kill();
      // A spare that died while it waited is not adopted.
      let endpoint = spare && (await spare.ready) ? spare.endpoint : undefined;
      if (endpoint === undefined) {
        if (spare) await spare.endpoint.kill();
        endpoint = this.spawn();
        this.#endpoint = endpoint;
        this.watch(endpoint);
        await this.loadInto(endpoint);
      } else {
        this.#endpoint = endpoint;
        this.watch(endpoint);
      }
      this.recycles.push({ cause, ms: performance.now() - started });
      if (!this.#closed) this.prepareSpare();
    })();
  }

  /** The pid of the current child process (`@process` lanes). */
  get pid(): number | undefined {
    return this.#endpoint.pid;
  }

  call(op: string, input: Uint8Array, options: CallOptions = {}): Promise<LaneCall> {
    return this.callOf({}, op, input, options);
  }

  /** A call of the plugin `to` names (a Go host's first, or the one beside it). */
  protected callOf(to: Beside, op: string, input: Uint8Array, options: CallOptions): Promise<LaneCall> {
    const { deadlineMs, holdMs } = options;
    // Never blocked past the deadline: its timer must run when it is due.
    const hold = holdMs === undefined ? {} : { holdMs: Math.min(holdMs, deadlineMs ?? holdMs) };
    return this.step((id) => ({ type: 'call', id, op, input, ...hold, ...to }), deadlineMs);
  }

  /** Runs `task` with the current worker or process, queued like a call. */
  protected queued<T>(task: (endpoint: Endpoint) => Promise<T>): Promise<T> {
    const result = this.#queue.then(async () => {
      await this.settled();
      return task(this.#endpoint);
    });
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Waits for the latest replacement: one can start while an earlier one finishes. */
  private async settled(): Promise<void> {
    for (let ready = this.#ready; ; ready = this.#ready) {
      await ready;
      if (ready === this.#ready) break;
    }
  }

  /** One request answered by `called`, queued behind earlier ones and held to the deadline like a call. */
  protected step(request: (id: number) => StepRequest, deadlineMs: number | undefined): Promise<LaneCall> {
    if (deadlineMs !== undefined && !this.deadline.enforced) {
      throw new UsageError(`lane \`${this.name}\` cannot enforce a deadline: ${this.deadline.why}`);
    }
    return this.queued(() => {
      if (this.#closed) throw new Error(`harness bug: lane ${this.name} called after close`);
      return this.sendStep(request, deadlineMs);
    });
  }

  private sendStep(request: (id: number) => StepRequest, deadlineMs: number | undefined): Promise<LaneCall> {
    const id = ++this.#nextId;
    const sent = process.hrtime.bigint();
    const byHost = this.deadline.enforced && this.deadline.by === 'host';
    return new Promise<LaneCall>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: CallOutcome, innerNs: number) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve({ outcome, innerNs, roundTripNs: Number(process.hrtime.bigint() - sent) });
      };
      this.#pending.set(id, (reply) => {
        if (reply.type !== 'called') return;
        if (reply.recycleMs !== undefined && !reply.outcome.ok)
          this.recycles.push({ cause: reply.outcome.failure.kind, ms: reply.recycleMs });
        finish(reply.outcome, reply.innerNs);
      });
      if (deadlineMs !== undefined) {
        // A host that stops calls itself gets a grace period before the kill, as a backstop.
        timer = setTimeout(
          () => {
            const elapsedMs = Number(process.hrtime.bigint() - sent) / 1e6;
            const how = byHost
              ? `the host did not stop it within ${HOST_DEADLINE_GRACE_MS} ms, so its process was killed after`
              : 'was stopped after';
            finish(
              failed({
                kind: 'timeout',
                message: `the call outlived its deadline of ${deadlineMs} ms and ${how} ${elapsedMs.toFixed(1)} ms`,
              }),
              0,
            );
            this.replace('timeout');
          },
          byHost ? deadlineMs + HOST_DEADLINE_GRACE_MS : deadlineMs,
        );
      }
      const message = request(id);
      this.#endpoint.send(
        message.type === 'call' && byHost && deadlineMs !== undefined ? { ...message, deadlineMs } : message,
      );
    });
  }

  /**
   * Sends one request on the current worker or process and hands every reply to it to
   * `onReply` until that calls `finish`; a worker or process that ends first answers with a
   * `called` failure. Queued behind other calls when `queued`, else sent at once. Not finished
   * within `limitMs`, the worker or process is killed and replaced, and `onReply` gets a
   * `timeout` failure.
   */
  protected exchange<T>(
    queued: boolean,
    request: (id: number) => Request,
    onReply: (reply: Reply, finish: (value: T) => void) => void,
    limitMs?: number,
  ): Promise<T> {
    const send = () => {
      const id = ++this.#nextId;
      return new Promise<T>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const finish = (value: T) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          resolve(value);
        };
        const answer = (reply: Reply) => onReply(reply, finish);
        this.#pending.set(id, answer);
        if (limitMs !== undefined)
          timer = setTimeout(() => {
            this.replace('timeout');
            const message = `no answer within ${limitMs} ms, so the plugin's process was killed`;
            answer({ type: 'called', id, outcome: failed({ kind: 'timeout', message }), innerNs: 0 });
          }, limitMs);
        this.#endpoint.send(request(id));
      });
    };
    return queued ? this.queued(send) : this.settled().then(send);
  }

  /** Sends a message on the current worker or process, outside any exchange. */
  protected post(request: Request): void {
    this.#endpoint.send(request);
  }

  /** `count` calls in one crossing; a crash or a poisoning failure ends the batch early. */
  callBatch(op: string, input: Uint8Array, count: number, limitMs?: number): Promise<BatchResult> {
    return this.exchange<BatchResult>(
      true,
      (id) => ({ type: 'batch', id, op, input, count }),
      (reply, finish) => {
        if (reply.type === 'called' && !reply.outcome.ok)
          return finish({ innerNs: new Float64Array(), failures: [reply.outcome.failure] });
        if (reply.type !== 'batched') throw new Error(`harness bug: ${reply.type} answered a batch`);
        const { batch } = reply;
        const last = batch.failures.at(-1);
        if (batch.recycleMs !== undefined && last) this.recycles.push({ cause: last.kind, ms: batch.recycleMs });
        finish(batch);
      },
      limitMs,
    );
  }

  async memory(): Promise<LaneMemory> {
    const reply = await this.exchange<Reply>(
      false,
      (id) => ({ type: 'memory', id }),
      (r, finish) => finish(r),
    );
    if (reply.type !== 'memory') return {};
    if (this.id.isolation === 'worker') return { wasmMemoryBytes: reply.wasmMemoryBytes };
    return {
      wasmMemoryBytes: reply.wasmMemoryBytes,
      childRssBytes: reply.rssBytes,
      childMallocBytes: reply.mallocBytes,
      ...(reply.goHeapBytes !== undefined ? { childGoHeapBytes: reply.goHeapBytes } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    await this.#ready.catch(() => {});
    this.#closed = true;
    const endpoint = this.#endpoint;
    const id = ++this.#nextId;
    const closed = new Promise<void>((resolve) => this.#pending.set(id, () => resolve()));
    this.#retired.add(endpoint);
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare) await spare.ready.then(() => spare.endpoint.kill());
    endpoint.send({ type: 'close', id });
    await Promise.race([closed, endpoint.ended, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await endpoint.kill();
  }
}
