import { DEFAULT_POLICY } from '../contract/policy.ts';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../engines/canonical.ts';
import { openAnyInstance } from '../engines/open-instance.ts';
import { inHarnessProcess } from './in-harness.ts';
import { InprocLane } from './inproc-lane.ts';
import type { IsolationDescriptor } from './isolation.ts';

const NO_DEADLINE = {
  enforced: false,
  why: "a call on the harness's own thread cannot be interrupted; use @worker or @process",
} as const;

/** The harness's own thread: the cheapest crossing, and the one that protects nothing. */
export const inprocIsolation: IsolationDescriptor = {
  name: 'inproc',
  host: 'node',
  summary: "the harness's own thread: the cheapest crossing, and the one that protects nothing",
  promises: (engine) => ({
    deadline: NO_DEADLINE,
    ...inHarnessProcess(engine),
    callersShareHost: false,
  }),
  open: (dir, id, _engine, options) => {
    const policy = options.policy ?? DEFAULT_POLICY;
    const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    return InprocLane.open(
      id,
      () => openAnyInstance(dir, id.boundary, { trusted: options.trusted, policy, maxOutputBytes }),
      options.config ?? '{}',
      NO_DEADLINE,
    );
  },
};
