import { findGo, GO_INSTALL, goHostBinary } from '../build/go-host.ts';
import { wazeroEngine } from '../engines/wazero.ts';
import { spawnGoHost } from './go-endpoint.ts';
import { GoHostLane } from './go-host-lane.ts';
import type { IsolationDescriptor } from './isolation.ts';
import { openRequestOf } from './open-request.ts';

const NO_DEADLINE_CHECKS =
  "opened without wazero's termination checks (WithCloseOnContextDone), so nothing can stop a call";

/**
 * A process of the Go host (harness/hosts/go), as a Go service would load the plugin: wazero
 * for core modules, cgo for native libraries; it runs load models itself (`HostLoadLane`).
 */
export const goIsolation: IsolationDescriptor = {
  name: 'go',
  host: 'go',
  summary: 'a process of the Go host (wazero, cgo), which runs the load next to the plugin as a Go service would',
  promises: (engine) =>
    engine.faults === 'trap'
      ? {
          // wazero stops a call when its context's deadline passes, and keeps its process.
          deadline: { enforced: true, by: 'host' },
          memoryQuota: { enforced: true, by: "wazero's WithMemoryLimitPages" },
          // wazero instances run side by side in one host, one goroutine each, as a Go service pools them.
          callersShareHost: true,
        }
      : {
          // cgo cannot be interrupted, so the supervisor kills the Go host and starts another.
          deadline: { enforced: true, by: 'kill' },
          memoryQuota: { enforced: true, by: 'RLIMIT_DATA in the Go host' },
          crashContainment: { enforced: true, by: 'the Go host ends with the signal, reported as `crash`' },
          // A native library is one per process, so more native callers are more hosts.
          callersShareHost: false,
        },
  withoutEngine: () =>
    'the Go host runs core modules (wazero) and native libraries (cgo); ' +
    'jco components need a JavaScript engine: use `wasm-core@go`',
  unavailable: () => (findGo() === undefined ? GO_INSTALL : undefined),
  open: (dir, id, engine, options) => {
    const binary = goHostBinary();
    const checks = engine.name !== wazeroEngine.name || options.goDeadlineChecks !== false;
    const request = openRequestOf(dir, id, options, options.config ?? '{}', engine.faults === 'signal');
    return GoHostLane.open(
      id,
      { ...request, ...(checks ? {} : { noDeadlineChecks: true }) },
      () => spawnGoHost(binary, options.hostCpu),
      checks ? goIsolation.promises(engine).deadline : { enforced: false, why: NO_DEADLINE_CHECKS },
    );
  },
};
