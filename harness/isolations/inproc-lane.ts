import { type CallOutcome, PluginLoadError, POISONING_KINDS, UsageError } from '../contract/errors.ts';
import type { Manifest } from '../contract/manifest.ts';
import type { AnyPluginInstance } from '../engines/instance.ts';
import {
  type CallOptions,
  type Lane,
  type LaneCall,
  type LaneId,
  type LaneMemory,
  laneName,
  type Recycle,
} from './lane.ts';

/**
 * A lane on the harness's own thread: the cheapest crossing, and the one that protects
 * nothing. A deadline cannot stop code running on this thread, and a native crash ends the
 * harness, so checks that need either report `unsupported` here.
 */
export class InprocLane implements Lane {
  readonly name: string;
  readonly recycles: Recycle[] = [];
  #instance: AnyPluginInstance;

  private constructor(
    readonly id: LaneId,
    /** Never enforced: the inproc isolation says why (isolations/inproc.ts). */
    readonly deadline: { enforced: false; why: string },
    instance: AnyPluginInstance,
    private readonly reopen: () => Promise<AnyPluginInstance>,
  ) {
    this.name = laneName(id);
    this.#instance = instance;
  }

  static async open(
    id: LaneId,
    open: () => Promise<AnyPluginInstance>,
    config: string,
    deadline: { enforced: false; why: string },
  ): Promise<InprocLane> {
    const openAndInit = async () => {
      const instance = await open();
      const init = await instance.init(config);
      if (!init.ok)
        throw new PluginLoadError(
          'incompatible',
          `\`init\` refused the config (${init.failure.kind}): ${init.failure.message}`,
        );
      return instance;
    };
    return new InprocLane(id, deadline, await openAndInit(), openAndInit);
  }

  get manifest(): Manifest {
    return this.#instance.manifest;
  }

  /** The instance itself, for tight loops that must not pay for a promise per call. */
  get instance(): AnyPluginInstance {
    return this.#instance;
  }

  async call(op: string, input: Uint8Array, options: CallOptions = {}): Promise<LaneCall> {
    if (options.deadlineMs !== undefined)
      throw new UsageError(`lane \`${this.name}\` cannot enforce a deadline: ${this.deadline.why}`);
    const started = process.hrtime.bigint();
    const outcome = await this.#instance.call(op, input);
    const innerNs = Number(process.hrtime.bigint() - started);
    await this.recycleAfter(outcome);
    return { outcome, innerNs, roundTripNs: innerNs };
  }

  /** Replaces the instance when `outcome` poisoned it; callers of `instance` directly must call this. */
  async recycleAfter(outcome: CallOutcome): Promise<void> {
    if (outcome.ok || !POISONING_KINDS.has(outcome.failure.kind)) return;
    const recycleStart = performance.now();
    this.#instance.close();
    this.#instance = await this.reopen();
    this.recycles.push({ cause: outcome.failure.kind, ms: performance.now() - recycleStart });
  }

  async memory(): Promise<LaneMemory> {
    return { wasmMemoryBytes: this.#instance.memoryBytes() };
  }

  async close(): Promise<void> {
    this.#instance.shutdown();
    this.#instance.close();
  }
}
