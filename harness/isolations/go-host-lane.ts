import { type HostLoadRequest, type LoadDelta, type HostLoadEnd, type HostLoadLane } from './host-load-lane.ts';
import type { ReloadingLane } from './lane.ts';
import { SupervisedLane } from './supervised-lane.ts';

/**
 * A lane in the Go host (wazero or cgo, harness/hosts/go): supervised like a child process,
 * able to `reload` (SupervisedLane's) in the same host, and able to run a load model inside the
 * host, where a Go service would call the plugin.
 */
export class GoHostLane extends SupervisedLane implements HostLoadLane, ReloadingLane {
  runLoad(request: HostLoadRequest, onDelta: (delta: LoadDelta) => void, signal?: AbortSignal): Promise<HostLoadEnd> {
    let stop: (() => void) | undefined;
    return this.exchange<HostLoadEnd>(
      true,
      (id) => {
        stop = () => this.post({ type: 'stop-load', id });
        signal?.addEventListener('abort', stop, { once: true });
        return { type: 'load', id, ...request };
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
