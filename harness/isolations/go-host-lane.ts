import { PluginLoadError } from '../contract/errors.ts';
import { type HostLoadRequest, type LoadDelta, type HostLoadEnd, type HostLoadLane } from './host-load-lane.ts';
import type { CallOptions, HoldingLane, LaneCall, PairedCalls, ReloadingLane } from './lane.ts';
import type { Endpoint } from './endpoint.ts';
import type { Beside, OpenRequest } from './protocol.ts';
import { SupervisedLane } from './supervised-lane.ts';

/** The plugin a Go host holds beside its lane's own: a lane of its own, in the same process. */
export type BesideLane = HostLoadLane & ReloadingLane;

/**
 * A lane in the Go host (wazero or cgo, harness/hosts/go): supervised like a child process,
 * able to `reload` (SupervisedLane's) in the same host, and able to run a load model inside the
 * host, where a Go service would call the plugin. It can hold a second plugin beside its own
 * (`holdBeside`), so that `compare` runs both sides in one process.
 */
export class GoHostLane extends SupervisedLane implements HostLoadLane, HoldingLane {
  /** The open request of the plugin held beside this lane's own, loaded again by a replacement host. */
  #beside: OpenRequest | undefined;

  runLoad(request: HostLoadRequest, onDelta: (delta: LoadDelta) => void, signal?: AbortSignal): Promise<HostLoadEnd> {
    return this.runLoadOf({}, request, onDelta, signal);
  }

  /**
   * Loads the plugin in `dir` beside this lane's own, in the same Go host, and returns it as a
   * lane whose calls, loads and reloads address it; closing this lane unloads both. A host that
   * is replaced (after a crash or a deadline) loads both again.
   */
  async holdBeside(dir: string, config: string): Promise<BesideLane> {
    const request: OpenRequest = { ...this.request, dir, config, beside: true };
    const reply = await this.queued((endpoint) => SupervisedLane.loadOn(endpoint, request));
    if (reply.type === 'refused') throw new PluginLoadError(reply.kind, reply.message);
    this.#beside = request;
    this.dropSpare();
    const to: Beside = { beside: true };
    return {
      id: this.id,
      name: this.name,
      manifest: reply.manifest,
      deadline: this.deadline,
      recycles: this.recycles,
      call: (op: string, input: Uint8Array, options: CallOptions = {}) => this.callOf(to, op, input, options),
      runLoad: (request, onDelta, signal) => this.runLoadOf(to, request, onDelta, signal),
      reload: (dir, config) => this.reloadBeside(dir, config),
      memory: () => this.memory(),
      // The host is this lane's: its close unloads both plugins.
      close: async () => {},
    };
  }

  callPaired(op: string, inputs: Uint8Array[], calls: number, limitMs: number): Promise<PairedCalls> {
    if (this.#beside === undefined) throw new Error('harness bug: paired calls with no plugin held beside');
    return this.exchange<PairedCalls>(
      true,
      (id) => ({ type: 'paired', id, op, inputs, calls }),
      (reply, finish) => {
        if (reply.type === 'called' && !reply.outcome.ok) {
          const ended = reply.outcome.failure;
          return finish({ innerNs: [new Float64Array(), new Float64Array()], failures: [[], []], ended });
        }
        if (reply.type !== 'paired') throw new Error(`harness bug: ${reply.type} answered paired calls`);
        finish(reply.paired);
      },
      limitMs,
    );
  }

  private async reloadBeside(dir: string, config: string): Promise<LaneCall> {
    const reloaded = await this.step((id) => ({ type: 'reload', id, dir, config, beside: true }), undefined);
    if (reloaded.outcome.ok) {
      this.#beside = { ...this.#beside!, dir, config };
      this.dropSpare();
    }
    return reloaded;
  }

  protected override async loadInto(endpoint: Endpoint): Promise<void> {
    await super.loadInto(endpoint);
    if (this.#beside === undefined) return;
    const reply = await SupervisedLane.loadOn(endpoint, this.#beside);
    if (reply.type === 'ready') return;
    await endpoint.kill();
    throw new PluginLoadError(reply.kind, reply.message);
  }

  private runLoadOf(
    to: Beside,
    request: HostLoadRequest,
    onDelta: (delta: LoadDelta) => void,
    signal?: AbortSignal,
  ): Promise<HostLoadEnd> {
    let stop: (() => void) | undefined;
    return this.exchange<HostLoadEnd>(
      true,
      (id) => {
        stop = () => this.post({ type: 'stop-load', id });
        signal?.addEventListener('abort', stop, { once: true });
        return { type: 'load', id, ...request, ...to };
      },
      (reply, finish) => {
        const done = (end: HostLoadEnd) => {
          signal?.removeEventListener('abort', stop!);
          finish(end);
        };
        if (reply.type === 'called' && !reply.outcome.ok) return done({ ended: reply.outcome.failure });
        if (reply.type !== 'load-tick') return;
        this.recycles.push(...reply.delta.recycles);
        onDelta(reply.delta);
        if (!reply.delta.final) return;
        // A native call past its deadline cannot be stopped: its process is.
        if (reply.delta.stuck) this.replace('timeout');
        done({ final: reply.delta });
      },
    );
  }
}
